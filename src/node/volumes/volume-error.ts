// A volume that could not be set up (or mounted into a container): the message is what the
// kubelet reports after `MountVolume.SetUp failed for volume "<name>" : `.
export class VolumeError extends Error {
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(message);
  }
}
