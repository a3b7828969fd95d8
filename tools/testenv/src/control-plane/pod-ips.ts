/**
 * Hands out distinct pod IPs inside an IPv4 /16 (or wider) pod CIDR: .1.10, .1.11, … so every new
 * stand-in Pod gets an address no earlier Pod of this environment had.
 */
export class PodIpAllocator {
  private next: number;
  private readonly last: number;

  constructor(podCidr: string) {
    const [address, bits] = podCidr.split('/');
    const octets = (address ?? '').split('.').map(Number);
    const prefix = Number(bits);
    if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255)) || !(prefix >= 8 && prefix <= 16)) {
      throw new Error(`unsupported pod CIDR ${podCidr} (want an IPv4 /8../16)`);
    }
    const base = octets.reduce((acc, o) => acc * 256 + o, 0);
    this.next = base + 256 + 10;
    this.last = base + 2 ** (32 - prefix) - 2;
  }

  /** The next unused address, as dotted quad. */
  allocate(): string {
    if (this.next > this.last) throw new Error('pod CIDR exhausted');
    const n = this.next++;
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
  }
}
