// The repeat filter's key (repeats.ts bytesKey) in WebAssembly text, assembled by wasm-assemble.ts
// when the first chunk is made (wasm-chunks.ts). It hashes bytes of the memory the reader's chunks
// lie in: the frame is read where the reader put it, with no copy.
//
// It is bytesKey's definition word for word, and test/capture/bytes-key.test.ts holds the two to
// the same keys at every alignment, length and skipped position and on every frame of every
// capture: FNV-1a-like h1 and a multiply-rotate h2 over the first 192 and last 64 bytes (all of
// a range shorter than 256), a little-endian 32-bit word at a time and the bytes after the last
// whole word one at a time (h1 without its shift there), the skipped bytes read as 0; the result
// h1 * 2^21 + the low 21 bits of h2 as a double (53 bits, exact). Why here and not in
// JavaScript: on a bulk data frame (146 bytes) the same key took ~2.3× the time there (bounds
// checks and the DataView read per word around the two multiply chains).
//
// Addresses are absolute in the memory and compared unsigned (a chunk may lie above 2 GiB);
// a skipped position of -1 (none) is 2^32 - 1 unsigned and never within a word of `i`.
export const REPEAT_KEY_WAT = `
(module
  (import "env" "memory" (memory 1))
  ;; key of memory[start, end): seeds as bytesKey's; skip, pair and pairEnd the bytes read as 0
  (func $key (export "key") (param $start i32) (param $end i32) (param $seed1 i32) (param $seed2 i32)
        (param $skip i32) (param $pair i32) (param $pairEnd i32) (result f64)
    (local $h1 i32) (local $h2 i32) (local $i i32) (local $to i32) (local $tail i32) (local $w i32)
    (local $n i32) (local $k i32)
    i32.const 0x811c9dc5 local.get $seed1 i32.xor local.set $h1
    i32.const 0x9747b28c local.get $seed2 i32.xor local.set $h2
    ;; the head ends at start + (n < 256 ? n : 192); the tail, when there is one, is the last 64
    local.get $end local.get $start i32.sub local.set $n
    local.get $start
    local.get $n i32.const 192 local.get $n i32.const 256 i32.lt_u select
    i32.add local.set $to
    local.get $end i32.const 64 i32.sub local.get $end local.get $to local.get $end i32.lt_u select
    local.set $tail
    local.get $start local.set $i
    block $done
    loop $part
      block $wordsDone
      loop $words
        local.get $i i32.const 4 i32.add local.get $to i32.gt_u br_if $wordsDone
        local.get $i i32.load local.set $w
        ;; a skipped byte within this word: its 8 bits cleared
        local.get $skip local.get $i i32.sub local.tee $k i32.const 4 i32.lt_u
        if
          local.get $w i32.const 255 local.get $k i32.const 3 i32.shl i32.shl i32.const -1 i32.xor
          i32.and local.set $w
        end
        local.get $pair local.get $i i32.sub local.tee $k i32.const 4 i32.lt_u
        if
          local.get $w i32.const 255 local.get $k i32.const 3 i32.shl i32.shl i32.const -1 i32.xor
          i32.and local.set $w
        end
        local.get $pairEnd local.get $i i32.sub local.tee $k i32.const 4 i32.lt_u
        if
          local.get $w i32.const 255 local.get $k i32.const 3 i32.shl i32.shl i32.const -1 i32.xor
          i32.and local.set $w
        end
        ;; h1 = (h1 ^ w) * 0x01000193; h1 ^= h1 >>> 15
        local.get $h1 local.get $w i32.xor i32.const 0x01000193 i32.mul local.tee $h1
        local.get $h1 i32.const 15 i32.shr_u i32.xor local.set $h1
        ;; h2 = ((h2 + w) * 0x5bd1e995) ^ (h2 >>> 13)
        local.get $h2 local.get $w i32.add i32.const 0x5bd1e995 i32.mul
        local.get $h2 i32.const 13 i32.shr_u i32.xor local.set $h2
        local.get $i i32.const 4 i32.add local.set $i
        br $words
      end
      end
      block $bytesDone
      loop $bytes
        local.get $i local.get $to i32.ge_u br_if $bytesDone
        ;; the byte, or 0 when skipped
        local.get $i i32.load8_u
        i32.const 0
        local.get $i local.get $skip i32.ne local.get $i local.get $pair i32.ne i32.and
        local.get $i local.get $pairEnd i32.ne i32.and
        select local.set $w
        local.get $h1 local.get $w i32.xor i32.const 0x01000193 i32.mul local.set $h1
        local.get $h2 local.get $w i32.add i32.const 0x5bd1e995 i32.mul
        local.get $h2 i32.const 13 i32.shr_u i32.xor local.set $h2
        local.get $i i32.const 1 i32.add local.set $i
        br $bytes
      end
      end
      local.get $to local.get $end i32.eq br_if $done
      local.get $end local.set $to
      local.get $tail local.set $i
      br $part
    end
    end
    local.get $h1 f64.convert_i32_u f64.const 2097152 f64.mul
    local.get $h2 i32.const 0x1fffff i32.and f64.convert_i32_u f64.add
  )
)
`;
