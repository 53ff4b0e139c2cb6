;; The hot loop of decontam/ngram in WebAssembly: word hashes of UTF-8 text, exactly the hashes
;; `wordHashes` (normalize.ts) gives for the decoded text, and the strided m-gram filter check of the
;; matcher (decontam/matcher.ts). Assembled by `npm run build:wasm` into scan-wasm.ts; scan.test.ts
;; compares both with their TypeScript definitions.
;;
;; Memory layout (bytes), filled by scan.ts:
;;   [0, 128)          ASCII class: 1 word character, 0 word break, 2 removed (apostrophe), 3 turn separator (U+001E)
;;   [128, 256)        ASCII folded code
;;   [256, 260)        out: turns found by the last `tokenize`
;;   [65536, 131072)   class of each UTF-16 code unit, normalize.ts's numbering (0 = not classified yet)
;;   [131072, 262144)  folded code unit of each (u16)
;;   above             the caller's buffers
(module
  (memory (export "memory") 5)

  (func $mix (param $h i32) (result i32)
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
    (local.set $h (i32.mul (local.get $h) (i32.const 0x85ebca6b)))
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))))
    (local.set $h (i32.mul (local.get $h) (i32.const 0xc2b2ae35)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))

  ;; Word hashes of the UTF-8 bytes [in, end) to `out` (u32 each); the word index where each turn
  ;; after the first begins to `turns` (u32 each), their number to address 256. Returns the number of
  ;; words, or -1 - offset (from `in`) of a character whose class is not known yet: the caller
  ;; classifies it and calls again.
  (func (export "tokenize") (param $in i32) (param $end i32) (param $out i32) (param $turns i32) (result i32)
    (local $start i32) (local $byte i32) (local $kind i32) (local $hash i32) (local $inWord i32)
    (local $p i32) (local $t i32) (local $mask i32) (local $code i32) (local $point i32)
    (local.set $start (local.get $in))
    (local.set $p (local.get $out))
    (local.set $t (local.get $turns))
    (local.set $hash (i32.const 0x811c9dc5))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $in) (local.get $end)))
        (local.set $byte (i32.load8_u (local.get $in)))
        (if (i32.lt_u (local.get $byte) (i32.const 128))
          (then
            (local.set $in (i32.add (local.get $in) (i32.const 1)))
            (local.set $kind (i32.load8_u (local.get $byte)))
            (if (i32.ge_u (local.get $kind) (i32.const 2))
              (then
                (br_if $next (i32.eq (local.get $kind) (i32.const 2)))
                ;; Turn separator: a word break, then the next turn starts.
                (i32.store (local.get $p) (local.get $hash))
                (local.set $p (i32.add (local.get $p) (i32.shl (local.get $inWord) (i32.const 2))))
                (local.set $hash (i32.const 0x811c9dc5))
                (local.set $inWord (i32.const 0))
                (i32.store (local.get $t) (i32.shr_u (i32.sub (local.get $p) (local.get $out)) (i32.const 2)))
                (local.set $t (i32.add (local.get $t) (i32.const 4)))
                (br $next)))
            ;; No branch on the class: store the running hash, advance where a word ends, restart by masking.
            (i32.store (local.get $p) (local.get $hash))
            (local.set $p (i32.add (local.get $p)
              (i32.shl (i32.and (local.get $inWord) (i32.xor (local.get $kind) (i32.const 1))) (i32.const 2))))
            (local.set $mask (i32.sub (i32.const 0) (local.get $kind)))
            (local.set $hash (i32.or
              (i32.and
                (i32.mul (i32.xor (local.get $hash) (i32.load8_u offset=128 (local.get $byte))) (i32.const 16777619))
                (local.get $mask))
              (i32.and (i32.const 0x811c9dc5) (i32.xor (local.get $mask) (i32.const -1)))))
            (local.set $inWord (local.get $kind))
            (br $next)))
        ;; A multi-byte character.
        (if (i32.ge_u (local.get $byte) (i32.const 0xf0))
          (then
            ;; Outside the BMP: two surrogates, word characters folded to themselves.
            (local.set $point (i32.sub
              (i32.or
                (i32.or
                  (i32.shl (i32.and (local.get $byte) (i32.const 0x07)) (i32.const 18))
                  (i32.shl (i32.and (i32.load8_u offset=1 (local.get $in)) (i32.const 0x3f)) (i32.const 12)))
                (i32.or
                  (i32.shl (i32.and (i32.load8_u offset=2 (local.get $in)) (i32.const 0x3f)) (i32.const 6))
                  (i32.and (i32.load8_u offset=3 (local.get $in)) (i32.const 0x3f))))
              (i32.const 0x10000)))
            (local.set $in (i32.add (local.get $in) (i32.const 4)))
            (local.set $hash (i32.mul
              (i32.xor
                (i32.mul
                  (i32.xor (local.get $hash) (i32.add (i32.const 0xd800) (i32.shr_u (local.get $point) (i32.const 10))))
                  (i32.const 16777619))
                (i32.add (i32.const 0xdc00) (i32.and (local.get $point) (i32.const 0x3ff))))
              (i32.const 16777619)))
            (local.set $inWord (i32.const 1))
            (br $next)))
        (if (i32.lt_u (local.get $byte) (i32.const 0xe0))
          (then
            (local.set $code (i32.or
              (i32.shl (i32.and (local.get $byte) (i32.const 0x1f)) (i32.const 6))
              (i32.and (i32.load8_u offset=1 (local.get $in)) (i32.const 0x3f))))
            (local.set $point (i32.const 2)))
          (else
            (local.set $code (i32.or
              (i32.or
                (i32.shl (i32.and (local.get $byte) (i32.const 0x0f)) (i32.const 12))
                (i32.shl (i32.and (i32.load8_u offset=1 (local.get $in)) (i32.const 0x3f)) (i32.const 6)))
              (i32.and (i32.load8_u offset=2 (local.get $in)) (i32.const 0x3f))))
            (local.set $point (i32.const 3))))
        (local.set $kind (i32.load8_u offset=65536 (local.get $code)))
        (if (i32.eqz (local.get $kind))
          (then (return (i32.sub (i32.const -1) (i32.sub (local.get $in) (local.get $start))))))
        (local.set $in (i32.add (local.get $in) (local.get $point)))
        ;; 3 = word character, 2 = removed, 1 = break, 4 = a word of its own (Han, Kana).
        (if (i32.eq (local.get $kind) (i32.const 3))
          (then
            (local.set $hash (i32.mul
              (i32.xor (local.get $hash) (i32.load16_u offset=131072 (i32.shl (local.get $code) (i32.const 1))))
              (i32.const 16777619)))
            (local.set $inWord (i32.const 1))
            (br $next)))
        (br_if $next (i32.eq (local.get $kind) (i32.const 2)))
        (if (local.get $inWord)
          (then
            (i32.store (local.get $p) (local.get $hash))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (local.set $hash (i32.const 0x811c9dc5))
            (local.set $inWord (i32.const 0))))
        (if (i32.eq (local.get $kind) (i32.const 4))
          (then
            (i32.store (local.get $p) (i32.mul
              (i32.xor (i32.const 0x811c9dc5) (i32.load16_u offset=131072 (i32.shl (local.get $code) (i32.const 1))))
              (i32.const 16777619)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))))
        (br $next)))
    (if (local.get $inWord)
      (then
        (i32.store (local.get $p) (local.get $hash))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))))
    (i32.store (i32.const 256) (i32.shr_u (i32.sub (local.get $t) (local.get $turns)) (i32.const 2)))
    ;; Finish every hash with murmur3's mix.
    (local.set $in (local.get $out))
    (block $mixed
      (loop $each
        (br_if $mixed (i32.ge_u (local.get $in) (local.get $p)))
        (i32.store (local.get $in) (call $mix (i32.load (local.get $in))))
        (local.set $in (i32.add (local.get $in) (i32.const 4)))
        (br $each)))
    (i32.shr_u (i32.sub (local.get $p) (local.get $out)) (i32.const 2)))

  ;; The m-grams of `count` words at `words` starting at 0, stride, 2·stride, … whose filter bit is
  ;; set: their start positions go to `out`; returns how many. The hash is matcher.ts's polynomial.
  (func (export "candidates")
    (param $words i32) (param $count i32) (param $m i32) (param $stride i32) (param $filter i32) (param $shift i32) (param $out i32)
    (result i32)
    (local $start i32) (local $k i32) (local $hash i32) (local $bit i32) (local $found i32) (local $at i32)
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $start) (local.get $m)) (local.get $count)))
        (local.set $hash (i32.const 0))
        (local.set $at (i32.add (local.get $words) (i32.shl (local.get $start) (i32.const 2))))
        (local.set $k (i32.const 0))
        (loop $gram
          (local.set $hash (i32.add (i32.mul (local.get $hash) (i32.const 0x01000193)) (i32.load (local.get $at))))
          (local.set $at (i32.add (local.get $at) (i32.const 4)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $gram (i32.lt_u (local.get $k) (local.get $m))))
        (local.set $bit (i32.shr_u (i32.mul (local.get $hash) (i32.const 0x9e3779b1)) (local.get $shift)))
        (if (i32.and
              (i32.shr_u
                (i32.load (i32.add (local.get $filter) (i32.shl (i32.shr_u (local.get $bit) (i32.const 5)) (i32.const 2))))
                (i32.and (local.get $bit) (i32.const 31)))
              (i32.const 1))
          (then
            (i32.store (i32.add (local.get $out) (i32.shl (local.get $found) (i32.const 2))) (local.get $start))
            (local.set $found (i32.add (local.get $found) (i32.const 1)))))
        (local.set $start (i32.add (local.get $start) (local.get $stride)))
        (br $next)))
    (local.get $found))
)
