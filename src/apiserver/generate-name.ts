// metadata.generateName: upstream appends 5 characters from an alphabet without vowels or look-alikes.
import { randomInt } from 'node:crypto';

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
const maxGeneratedNameLength = 63 - 5;

export function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += alphabet[randomInt(alphabet.length)];
  return base.slice(0, maxGeneratedNameLength) + suffix;
}
