// Whole-quantum base64 decoding of public key lines, 16 characters at a time (SSSE3).
//
// `keyport fingerprint` of a large authorized_keys spends about a quarter of its CPU decoding
// base64; a table lookup per character (LineFingerprinter.scan) costs about four times the
// instructions of this. The method is Muła and Lemire's ("Faster Base64 Encoding and Decoding
// Using AVX2 Instructions", ACM TWEB 2018): classify every byte, add a per-class offset to get its
// 6-bit value, then merge the four 6-bit values of each quantum with two multiply-adds and
// gather the 3-byte results with one shuffle. Here the classes come from plain range compares
// (A-Z, a-z, 0-9, '+', '/'), which says what is valid more plainly than nibble tables.
//
// Only blocks of 16 alphabet characters are decoded; the first block holding anything else
// (padding, a blank, a byte of the comment, a non-ASCII byte) ends the loop and the caller's
// scalar loop goes on from there, so what is decoded, and where decoding stops, is the same
// as without this function.

#include "keyport_sys.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

__attribute__((target("ssse3")))
static size_t decode_quanta_ssse3(const uint8_t *src, size_t length, uint8_t *dst, size_t room) {
    size_t i = 0, o = 0;
    // Signed compares are enough: every bound is below 0x80 and bytes from 0x80 up read as negative.
    const __m128i belowA = _mm_set1_epi8('A' - 1), aboveZ = _mm_set1_epi8('Z' + 1);
    const __m128i belowa = _mm_set1_epi8('a' - 1), abovez = _mm_set1_epi8('z' + 1);
    const __m128i below0 = _mm_set1_epi8('0' - 1), above9 = _mm_set1_epi8('9' + 1);
    const __m128i plusChar = _mm_set1_epi8('+'), slashChar = _mm_set1_epi8('/');
    // value = byte + offset: 'A' → 0, 'a' → 26, '0' → 52, '+' → 62, '/' → 63.
    const __m128i upperOffset = _mm_set1_epi8(-65), lowerOffset = _mm_set1_epi8(-71);
    const __m128i digitOffset = _mm_set1_epi8(4), plusOffset = _mm_set1_epi8(19), slashOffset = _mm_set1_epi8(16);
    // Byte pairs (a, b) → a·64 + b; then word pairs (ab, cd) → ab·4096 + cd: 24 bits per quantum.
    const __m128i pairWeights = _mm_set1_epi32(0x01400140), wordWeights = _mm_set1_epi32(0x00011000);
    // The three bytes of each 32-bit lane, most significant first; the last four output bytes are zero.
    const __m128i gather = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    while (i + 16 <= length && o + 16 <= room) {
        const __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
        const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(c, belowA), _mm_cmplt_epi8(c, aboveZ));
        const __m128i lower = _mm_and_si128(_mm_cmpgt_epi8(c, belowa), _mm_cmplt_epi8(c, abovez));
        const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(c, below0), _mm_cmplt_epi8(c, above9));
        const __m128i plus = _mm_cmpeq_epi8(c, plusChar), slash = _mm_cmpeq_epi8(c, slashChar);
        const __m128i valid = _mm_or_si128(_mm_or_si128(upper, lower), _mm_or_si128(digit, _mm_or_si128(plus, slash)));
        if (_mm_movemask_epi8(valid) != 0xFFFF) break;
        __m128i offset = _mm_or_si128(_mm_and_si128(upper, upperOffset), _mm_and_si128(lower, lowerOffset));
        offset = _mm_or_si128(offset, _mm_and_si128(digit, digitOffset));
        offset = _mm_or_si128(offset, _mm_or_si128(_mm_and_si128(plus, plusOffset), _mm_and_si128(slash, slashOffset)));
        const __m128i values = _mm_add_epi8(c, offset);
        const __m128i quanta = _mm_madd_epi16(_mm_maddubs_epi16(values, pairWeights), wordWeights);
        _mm_storeu_si128((__m128i *)(void *)(dst + o), _mm_shuffle_epi8(quanta, gather));
        i += 16;
        o += 12;
    }
    return i / 4;
}

size_t keyport_base64_decode_quanta(const uint8_t *src, size_t length, uint8_t *dst, size_t room) {
    // A load and a test: libgcc's constructor has filled in the CPU model before any Swift code runs.
    return __builtin_cpu_supports("ssse3") ? decode_quanta_ssse3(src, length, dst, room) : 0;
}

#else

size_t keyport_base64_decode_quanta(const uint8_t *src, size_t length, uint8_t *dst, size_t room) {
    (void)src; (void)length; (void)dst; (void)room;
    return 0;
}

#endif
