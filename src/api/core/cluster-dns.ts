// Cluster DNS as the API shows it: the `kube-dns` Service in kube-system (created at server start,
// on the 10th address of the service range as kubeadm and k3s place it), and the Node annotation by
// which a node says that it answers DNS and on which address; its endpoints are those nodes.

export const kubeDnsNamespace = 'kube-system';
export const kubeDnsName = 'kube-dns';
/** Which address of the service range the DNS Service gets (the kubelet's --cluster-dns on k3s: 10.43.0.10). */
export const kubeDnsServiceIpOffset = 10;
/** Set by a node whose cluster DNS is listening: the address it answers on (port 53, UDP and TCP). */
export const nodeDnsAddressAnnotation = 'dns.nanokube.io/address';
export const dnsPort = 53;
