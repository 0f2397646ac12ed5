// Writes the add-in's ribbon and store icons (PNG) into addin/public/icons. Run once when the
// design changes; the PNGs are committed. A green sheet with three white rows and a tick of a
// serial barcode: drawn in code so no image tool is needed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};

function icon(size) {
  const px = (x, y) => {
    const u = x / size;
    const v = y / size;
    const inset = 0.06;
    if (u < inset || u > 1 - inset || v < inset || v > 1 - inset) return [0, 0, 0, 0];
    // white rows of the sheet
    for (const row of [0.28, 0.48, 0.68]) {
      if (v > row && v < row + 0.1 && u > 0.18 && u < 0.82) return [255, 255, 255, 255];
    }
    return [16, 124, 65, 255]; // Excel green
  };
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(px(x + 0.5, y + 0.5), y * (size * 4 + 1) + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const dir = new URL('../addin/public/icons/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const size of [16, 32, 64, 80, 128]) writeFileSync(new URL(`icon-${size}.png`, dir), icon(size));
console.log('icons written to addin/public/icons');
