// Small output buffers carved from private 64 KiB slabs.

/** Returns a buffer of `size` bytes, uninitialised. */
export type Allocate = (size: number) => Buffer;

const SLAB_BYTES = 64 * 1024;
const SMALL_BYTES = 4 * 1024;

/**
 * An allocator for one sink. Why not Buffer.allocUnsafe: a small buffer from Node's shared 8 KiB
 * pool kept in the ring pins that whole pool slab, and a quiet service's last thousand lines
 * could each pin a different one (8 MB). Why not allocUnsafeSlow: a fresh ArrayBuffer costs
 * about 1.5 µs here, which for a child writing line by line is most of the cost of its chunk.
 * Carved from the sink's own slabs, the ring's recent lines share a few consecutive slabs.
 */
export function createBufferSlab(): Allocate {
  let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  let offset = 0;
  return (size) => {
    if (size >= SMALL_BYTES) return Buffer.allocUnsafeSlow(size);
    if (offset + size > SLAB_BYTES) {
      slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      offset = 0;
    }
    const buffer = slab.subarray(offset, offset + size);
    offset += (size + 7) & ~7;
    return buffer;
  };
}
