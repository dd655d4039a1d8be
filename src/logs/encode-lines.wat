;; The fast path of the log sink (encode-lines-wasm.ts): whole lines in, the file form out, one SIMD pass.
;; Assembled into encode-lines-wasm-bytes.ts by `node scripts/build-wasm.mjs` (a test keeps the two in step).
;;
;; encode(input, length, prefix, prefixLength, output) -> output length, and `count` = lines written.
;; input[0, length) ends with a newline; every line becomes prefix + line + "\n", with a "\r" right before a
;; newline dropped. The caller guarantees: prefixLength <= 48 with 48 readable bytes at `prefix`, 16 readable
;; bytes past the input's end, and room for prefixLength + length * (1 + prefixLength) + 48 bytes at `output`
;; (16-byte blocks and the 48-byte prefix are stored whole and the output pointer then moves by what counts).
(module
  (memory (export "memory") 1)
  (global $count (export "count") (mut i32) (i32.const 0))
  (func (export "encode") (param $in i32) (param $len i32) (param $prefix i32) (param $plen i32) (param $out i32) (result i32)
    (local $pos i32) (local $end i32) (local $o i32) (local $mask i32) (local $nl i32) (local $n i32)
    (local $v v128) (local $newline v128) (local $p0 v128) (local $p1 v128) (local $p2 v128)
    (local.set $p0 (v128.load (local.get $prefix)))
    (local.set $p1 (v128.load offset=16 (local.get $prefix)))
    (local.set $p2 (v128.load offset=32 (local.get $prefix)))
    (local.set $newline (i8x16.splat (i32.const 10)))
    (local.set $o (local.get $out))
    (v128.store (local.get $o) (local.get $p0))
    (v128.store offset=16 (local.get $o) (local.get $p1))
    (v128.store offset=32 (local.get $o) (local.get $p2))
    (local.set $o (i32.add (local.get $o) (local.get $plen)))
    (local.set $pos (local.get $in))
    (local.set $end (i32.add (local.get $in) (local.get $len)))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $pos) (local.get $end)))
        ;; Copy 16 bytes ahead; only the bytes before a newline count.
        (local.set $v (v128.load (local.get $pos)))
        (v128.store (local.get $o) (local.get $v))
        (local.set $mask (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $newline))))
        (if (i32.eqz (local.get $mask))
          (then
            (local.set $pos (i32.add (local.get $pos) (i32.const 16)))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (br $scan)))
        (local.set $nl (i32.ctz (local.get $mask)))
        (local.set $o (i32.add (local.get $o) (local.get $nl)))
        (local.set $nl (i32.add (local.get $pos) (local.get $nl)))
        ;; A "\r" before the newline is not a newline, so it belongs to this line, and its copy is the last byte out.
        (if (i32.gt_u (local.get $nl) (local.get $in))
          (then
            (if (i32.eq (i32.load8_u (i32.sub (local.get $nl) (i32.const 1))) (i32.const 13))
              (then (local.set $o (i32.sub (local.get $o) (i32.const 1)))))))
        (i32.store8 (local.get $o) (i32.const 10))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (v128.store (local.get $o) (local.get $p0))
        (v128.store offset=16 (local.get $o) (local.get $p1))
        (v128.store offset=32 (local.get $o) (local.get $p2))
        (local.set $o (i32.add (local.get $o) (local.get $plen)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $pos (i32.add (local.get $nl) (i32.const 1)))
        (br $scan)))
    (global.set $count (local.get $n))
    ;; The prefix written after the last newline is not part of the output.
    (i32.sub (i32.sub (local.get $o) (local.get $plen)) (local.get $out))))
