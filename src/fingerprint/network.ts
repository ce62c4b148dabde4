/**
 * IP addresses are kept only as network prefixes: IPv4 /24, IPv6 /48. A value that is not an IP
 * yields undefined (the schema only bounds its length).
 */
import { isIPv4, isIPv6 } from 'node:net';

export function networkPrefix(ip: string): string | undefined {
  if (isIPv4(ip)) {
    const parts = ip.split('.');
    return `${parts[0]}.${parts[1]}.${parts[2]}.0/24`;
  }
  if (isIPv6(ip)) {
    const groups = expandIPv6(ip);
    if (groups === undefined) return undefined;
    // IPv4-mapped addresses are IPv4 clients.
    if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
      const a = groups[6] ?? 0;
      const b = groups[7] ?? 0;
      return `${a >> 8}.${a & 255}.${b >> 8}.0/24`;
    }
    return `${groups
      .slice(0, 3)
      .map((g) => g.toString(16))
      .join(':')}::/48`;
  }
  return undefined;
}

function expandIPv6(ip: string): number[] | undefined {
  let s = ip.split('%')[0] ?? '';
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted?.[1]) {
    const q = dotted[1].split('.').map(Number);
    s =
      s.slice(0, -dotted[1].length) +
      `${(((q[0] ?? 0) << 8) | (q[1] ?? 0)).toString(16)}:${(((q[2] ?? 0) << 8) | (q[3] ?? 0)).toString(16)}`;
  }
  const [head, tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = s.includes('::') ? 8 - h.length - t.length : 0;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}
