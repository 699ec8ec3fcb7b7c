/** The parts of an incoming `X-Amzn-Trace-Id` that matter here, read defensively (it comes from anyone). */
export interface XRayHeader {
  root?: string;
  parent?: string;
  sampled?: '0' | '1' | '?';
}

const MAX_HEADER_LENGTH = 256;

export function parseXRayHeader(value: string | undefined): XRayHeader {
  if (!value || value.length > MAX_HEADER_LENGTH) return {};
  const header: XRayHeader = {};
  for (const part of value.split(';')) {
    const [key, raw] = part.split('=', 2).map((side) => side.trim());
    if (key === 'Root' && raw && /^1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}$/.test(raw)) header.root = raw.toLowerCase();
    else if (key === 'Parent' && raw && /^[0-9a-fA-F]{16}$/.test(raw)) header.parent = raw.toLowerCase();
    else if (key === 'Sampled' && (raw === '0' || raw === '1' || raw === '?')) header.sampled = raw;
  }
  return header;
}
