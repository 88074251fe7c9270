/* The decoding step's kernels (loaded by models/lm/kernels.py), each batch-invariant: a row's
   result has the same bits whatever rows share the call.

   panel_mm: float32 products, out[c][o] = sum over i of W[o][i] * x[c][i].

   Every output is one chain of fused multiply-adds over i in order, starting from +0, so a
   row's result has the same bits whatever rows share the call, whichever thread computes it,
   and whichever of the three paths below runs (AVX-512, AVX2 with FMA, or scalar `fmaf`: one
   correctly rounded operation each, the same sequence). The weights are packed once in panels
   of 16 output rows (P[p][i][l] = W[16p + l][i]), so each step streams them front to back and
   loads every weight once for all the columns of a chunk: on a CPU the decoding step is bound
   by reading the weights, and this reads them at close to the memory's speed. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#else
static inline int omp_get_num_threads(void) { return 1; }
static inline int omp_get_thread_num(void) { return 0; }
#endif
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#define LANES 16
#define COLS 8 /* columns a pass loads each weight for */

#if defined(__AVX512F__)
#define PANELS 4 /* panels a thread works on at once */
#define PATH "avx512"
typedef __m512 acc_t;
#define ZERO _mm512_setzero_ps()
#define FMA_AT(a, w, x) _mm512_fmadd_ps((w), _mm512_set1_ps(x), (a))
#define LOAD(p) _mm512_loadu_ps(p)
#define STORE(p, v) _mm512_storeu_ps((p), (v))
#define HALVES 1
#elif defined(__AVX2__) && defined(__FMA__)
#define PANELS 1
#define PATH "avx2"
typedef __m256 acc_t;
#define ZERO _mm256_setzero_ps()
#define FMA_AT(a, w, x) _mm256_fmadd_ps((w), _mm256_set1_ps(x), (a))
#define LOAD(p) _mm256_loadu_ps(p)
#define STORE(p, v) _mm256_storeu_ps((p), (v))
#define HALVES 2
#endif

const char *panel_path(void) {
#ifdef PATH
    return PATH;
#else
    return "scalar";
#endif
}

#ifdef PATH
#define VW (LANES / HALVES) /* floats in one vector */
static inline __attribute__((always_inline)) void block(const float *P, const float *X, float *out,
                                                        int64_t p0, int np, int64_t n_in, int64_t ldo, const int cols) {
    acc_t acc[PANELS * HALVES][COLS];
    for (int v = 0; v < np * HALVES; v++)
        for (int c = 0; c < cols; c++) acc[v][c] = ZERO;
    const float *base = P + p0 * n_in * LANES;
    for (int64_t i = 0; i < n_in; i++) {
        acc_t w[PANELS * HALVES];
        for (int v = 0; v < np * HALVES; v++) w[v] = LOAD(base + ((v / HALVES) * n_in + i) * LANES + (v % HALVES) * VW);
        for (int c = 0; c < cols; c++) {
            float x = X[c * n_in + i];
            for (int v = 0; v < np * HALVES; v++) acc[v][c] = FMA_AT(acc[v][c], w[v], x);
        }
    }
    for (int v = 0; v < np * HALVES; v++)
        for (int c = 0; c < cols; c++) STORE(out + c * ldo + (p0 + v / HALVES) * LANES + (v % HALVES) * VW, acc[v][c]);
}

/* Work units: groups of PANELS panels, then the panels left over one by one. The loops below are
   orphaned `omp for`s: run inside a parallel region (the public entry points open one, and so
   does `decode_step`) they share the units between its threads, with a barrier at the end. */
#define CASE(C)                                                                                     \
    case C:                                                                                         \
        _Pragma("omp for schedule(static)")                                                       \
        for (int64_t u = 0; u < units; u++) {                                                       \
            int64_t b = u < groups ? u * PANELS : whole + (u - groups);                             \
            block(P, X, out, b, u < groups ? PANELS : 1, n_in, ldo, C);                             \
        }                                                                                           \
        break;

static void chunk(const float *P, const float *X, float *out, int64_t panels, int64_t n_in, int64_t ldo,
                  int cols) {
    int64_t groups = panels / PANELS, whole = groups * PANELS, units = groups + (panels - whole);
    switch (cols) { CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) }
}
#else
static void chunk(const float *P, const float *X, float *out, int64_t panels, int64_t n_in, int64_t ldo,
                  int cols) {
#pragma omp for schedule(static)
    for (int64_t p = 0; p < panels; p++)
        for (int c = 0; c < cols; c++)
            for (int l = 0; l < LANES; l++) {
                float acc = 0.0f;
                for (int64_t i = 0; i < n_in; i++) acc = fmaf(P[(p * n_in + i) * LANES + l], X[c * n_in + i], acc);
                out[c * ldo + p * LANES + l] = acc;
            }
}
#endif

/* P: `panels` panels of `n_in` x 16 floats; X: `rows` x `n_in`; out: `rows` x `ldo`
   (ldo >= 16 * panels). */
static void panel_mm_for(const float *P, const float *X, float *out, int64_t panels, int64_t n_in, int64_t rows,
                         int64_t ldo) {
    for (int64_t c0 = 0; c0 < rows; c0 += COLS) {
        int cols = rows - c0 < COLS ? (int)(rows - c0) : COLS;
        chunk(P, X + c0 * n_in, out + c0 * ldo, panels, n_in, ldo, cols);
    }
}

void panel_mm(const float *P, const float *X, float *out, int64_t panels, int64_t n_in, int64_t rows,
              int64_t ldo, int threads) {
#pragma omp parallel num_threads(threads < 1 ? 1 : threads)
    panel_mm_for(P, X, out, panels, n_in, rows, ldo);
}

/* Quantized products, the same bits as panel_mm on the dequantized weights.

   q41_mm reads GGUF Q4_1 weights (w = d * q + m per block of 32 inputs, d and m half floats,
   q in 0..15) and q80_mm Q8_0 ones (w = d * q, q in -128..127), repacked in panels of 16 output
   rows by models/lm/kernels.py. Each weight is dequantized in registers with the arithmetic of
   gguf-py's dequantization, which made the float32 weights of the safetensors conversion: the
   half floats widened exactly, then d * q rounded to float32, then (Q4_1) + m rounded to float32.
   For Q4_1, d * q is exact in float32 (an 11-bit significand times a 4-bit integer), so the
   vector paths compute d * q + m as one fused multiply-add, whose single rounding is that of the
   separate add (the scalar path keeps the two operations; the tests hold both to the same bits;
   nothing else is fused: the library is built with -ffp-contract=off). The weight then
   enters the output's one chain of fused multiply-adds over i in order, exactly as in panel_mm,
   so every output has the bits panel_mm gives it on the float32 copy of the weights.

   Panel layout, per block of 32 inputs (blocks in order, panels one after another):
   Q4_1: 16 half d, 16 half m (one per lane), then 16 groups of 16 bytes, group k holding for
         lane l the quants of inputs 2k (low nibble) and 2k + 1 (high nibble): 320 bytes.
   Q8_0: 16 half d, then 32 groups of 16 int8, group i holding lane l's quant of input i: 544
         bytes. */
#define QBLOCK 32
#define Q41_BYTES 320
#define Q80_BYTES 544

static inline float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    } else if (man == 0) {
        bits = sign;
    } else { /* subnormal half: a normal float */
        int e = -1;
        do { e++; man <<= 1; } while (!(man & 0x400));
        bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ff) << 13);
    }
    float f;
    __builtin_memcpy(&f, &bits, sizeof f);
    return f;
}

#if defined(PATH) && (defined(__AVX512F__) || defined(__F16C__))
#define QPATH 1
#if defined(__AVX512F__)
#define QPANELS 8 /* the most panels a pass works on (one column: 8 chains in flight) */
#define QP(cols) ((cols) == 1 ? 8 : (cols) == 2 ? 4 : 2)
typedef __m512i ivec_t;
#define LOADH(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define U8(p) _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p)))
#define I8(p) _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(p)))
/* a nibble as a float: a lookup of 0..15 by the index's low four bits (no and, no convert) */
#define LOW(q) _mm512_permutexvar_ps((q), _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
#define HIGH(q) LOW(_mm512_srli_epi32((q), 4))
#define TOF(q) _mm512_cvtepi32_ps(q)
#define MUL(a, b) _mm512_mul_ps((a), (b))
#define MADD(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#else
#define QPANELS 1
#define QP(cols) 1
typedef __m256i ivec_t;
#define LOADH(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
#define U8(p) _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p)))
#define I8(p) _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(p)))
#define LOW(q) _mm256_cvtepi32_ps(_mm256_and_si256((q), _mm256_set1_epi32(15)))
#define HIGH(q) _mm256_cvtepi32_ps(_mm256_srli_epi32((q), 4))
#define TOF(q) _mm256_cvtepi32_ps(q)
#define MUL(a, b) _mm256_mul_ps((a), (b))
#define MADD(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#endif

static inline __attribute__((always_inline)) void qblock(const uint8_t *P, const float *X, float *out, int64_t p0,
                                                         int np, int64_t n_in, int64_t ldo, const int cols,
                                                         const int q8) {
    acc_t acc[QPANELS * HALVES][COLS];
    for (int v = 0; v < np * HALVES; v++)
        for (int c = 0; c < cols; c++) acc[v][c] = ZERO;
    const int64_t nb = n_in / QBLOCK, bytes = q8 ? Q80_BYTES : Q41_BYTES;
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *blk[QPANELS * HALVES];
        acc_t d[QPANELS * HALVES], m[QPANELS * HALVES];
        for (int v = 0; v < np * HALVES; v++) {
            const uint8_t *at = P + ((p0 + v / HALVES) * nb + b) * bytes;
            int off = (v % HALVES) * VW;
            d[v] = LOADH(at + 2 * off);
            if (!q8) m[v] = LOADH(at + 32 + 2 * off);
            blk[v] = at + (q8 ? 32 : 64) + off;
        }
        const float *x = X + b * QBLOCK;
        if (q8) {
            for (int i = 0; i < QBLOCK; i++) {
                acc_t w[QPANELS * HALVES];
                for (int v = 0; v < np * HALVES; v++) w[v] = MUL(d[v], TOF(I8(blk[v] + i * LANES)));
                for (int c = 0; c < cols; c++) {
                    float xi = x[c * n_in + i];
                    for (int v = 0; v < np * HALVES; v++) acc[v][c] = FMA_AT(acc[v][c], w[v], xi);
                }
            }
        } else {
            for (int k = 0; k < QBLOCK / 2; k++) {
                acc_t w0[QPANELS * HALVES], w1[QPANELS * HALVES];
                for (int v = 0; v < np * HALVES; v++) {
                    ivec_t q = U8(blk[v] + k * LANES);
                    w0[v] = MADD(d[v], LOW(q), m[v]); /* d * q is exact: one rounding, as d * q + m */
                    w1[v] = MADD(d[v], HIGH(q), m[v]);
                }
                for (int c = 0; c < cols; c++) {
                    float x0 = x[c * n_in + 2 * k];
                    for (int v = 0; v < np * HALVES; v++) acc[v][c] = FMA_AT(acc[v][c], w0[v], x0);
                }
                for (int c = 0; c < cols; c++) {
                    float x1 = x[c * n_in + 2 * k + 1];
                    for (int v = 0; v < np * HALVES; v++) acc[v][c] = FMA_AT(acc[v][c], w1[v], x1);
                }
            }
        }
    }
    for (int v = 0; v < np * HALVES; v++)
        for (int c = 0; c < cols; c++) STORE(out + c * ldo + (p0 + v / HALVES) * LANES + (v % HALVES) * VW, acc[v][c]);
}

/* A pass works on QP(cols) panels at once: every output is still its own chain over the inputs
   in order (the bits do not depend on how many chains are in flight), but with a column or two
   a pass of two panels would wait on the fused multiply-adds' latency rather than the memory. */
#define QCASE(C)                                                                                    \
    case C: {                                                                                       \
        const int np = QP(C);                                                                       \
        int64_t b = first;                                                                          \
        for (; b + np <= last; b += np) qblock(P, X, out, b, np, n_in, ldo, C, q8);                 \
        for (; b + 2 <= last; b += 2) qblock(P, X, out, b, 2 < np ? 2 : np, n_in, ldo, C, q8);      \
        for (; b < last; b++) qblock(P, X, out, b, 1, n_in, ldo, C, q8);                            \
        break;                                                                                      \
    }

static void qchunk(const uint8_t *P, const float *X, float *out, int64_t panels, int64_t n_in, int64_t ldo,
                   int cols, int q8) {
    /* each thread of the team its own run of panels (whole outputs), as even as they divide */
    const int64_t team = omp_get_num_threads(), me = omp_get_thread_num();
    const int64_t first = panels * me / team, last = panels * (me + 1) / team;
    if (q8) {
        const int q8 = 1; /* a constant, so each case compiles for one format */
        switch (cols) { QCASE(1) QCASE(2) QCASE(3) QCASE(4) QCASE(5) QCASE(6) QCASE(7) QCASE(8) }
    } else {
        const int q8 = 0; /* a constant, so each case compiles for one format */
        switch (cols) { QCASE(1) QCASE(2) QCASE(3) QCASE(4) QCASE(5) QCASE(6) QCASE(7) QCASE(8) }
    }
#pragma omp barrier
}
#else
static void qchunk(const uint8_t *P, const float *X, float *out, int64_t panels, int64_t n_in, int64_t ldo,
                   int cols, int q8) {
    const int64_t nb = n_in / QBLOCK, bytes = q8 ? Q80_BYTES : Q41_BYTES;
#pragma omp for schedule(static)
    for (int64_t p = 0; p < panels; p++)
        for (int c = 0; c < cols; c++)
            for (int l = 0; l < LANES; l++) {
                float acc = 0.0f;
                for (int64_t b = 0; b < nb; b++) {
                    const uint8_t *at = P + (p * nb + b) * bytes;
                    uint16_t hd, hm;
                    __builtin_memcpy(&hd, at + 2 * l, 2);
                    float d = half_to_float(hd);
                    const float *x = X + c * n_in + b * QBLOCK;
                    if (q8) {
                        for (int i = 0; i < QBLOCK; i++) {
                            float w = d * (float)(int8_t)at[32 + i * LANES + l];
                            acc = fmaf(w, x[i], acc);
                        }
                    } else {
                        __builtin_memcpy(&hm, at + 32 + 2 * l, 2);
                        float m = half_to_float(hm);
                        for (int k = 0; k < QBLOCK / 2; k++) {
                            uint8_t q = at[64 + k * LANES + l];
                            float w0 = d * (float)(q & 15) + m, w1 = d * (float)(q >> 4) + m;
                            acc = fmaf(w0, x[2 * k], acc);
                            acc = fmaf(w1, x[2 * k + 1], acc);
                        }
                    }
                }
                out[c * ldo + p * LANES + l] = acc;
            }
}
#endif

/* P: `panels` quantized panels (q8: Q8_0, else Q4_1) of `n_in` inputs (a multiple of 32);
   X, out as in panel_mm. */
static void quant_mm_for(const uint8_t *P, const float *X, float *out, int64_t panels, int64_t n_in, int64_t rows,
                         int64_t ldo, int q8) {
    for (int64_t c0 = 0; c0 < rows; c0 += COLS) {
        int cols = rows - c0 < COLS ? (int)(rows - c0) : COLS;
        qchunk(P, X + c0 * n_in, out + c0 * ldo, panels, n_in, ldo, cols, q8 ? 1 : 0);
    }
}

void quant_mm(const uint8_t *P, const float *X, float *out, int64_t panels, int64_t n_in, int64_t rows,
              int64_t ldo, int threads, int q8) {
#pragma omp parallel num_threads(threads < 1 ? 1 : threads)
    quant_mm_for(P, X, out, panels, n_in, rows, ldo, q8);
}

float half_value(uint16_t h) { return half_to_float(h); } /* for the tests */

/* Repack GGUF rows (rows x blocks x 20 bytes for Q4_1, 34 for Q8_0) into the panels above
   (`out`: ceil(rows / 16) panels, zeroed by the caller: rows past `rows` stay zero weights). */
void quant_pack(const uint8_t *raw, uint8_t *out, int64_t rows, int64_t blocks, int q8) {
    const int64_t in_bytes = q8 ? 34 : 20, out_bytes = q8 ? Q80_BYTES : Q41_BYTES;
    for (int64_t r = 0; r < rows; r++) {
        int64_t p = r / LANES, l = r % LANES;
        for (int64_t b = 0; b < blocks; b++) {
            const uint8_t *src = raw + (r * blocks + b) * in_bytes;
            uint8_t *o = out + (p * blocks + b) * out_bytes;
            o[2 * l] = src[0];
            o[2 * l + 1] = src[1];
            if (q8) {
                for (int i = 0; i < QBLOCK; i++) o[32 + i * LANES + l] = src[2 + i];
            } else {
                o[32 + 2 * l] = src[2];
                o[32 + 2 * l + 1] = src[3];
                const uint8_t *qs = src + 4; /* byte j: input j (low nibble), input j + 16 (high) */
                for (int k = 0; k < QBLOCK / 2; k++) {
                    int j0 = 2 * k, j1 = 2 * k + 1;
                    uint8_t e0 = j0 < 16 ? qs[j0] & 15 : qs[j0 - 16] >> 4;
                    uint8_t e1 = j1 < 16 ? qs[j1] & 15 : qs[j1 - 16] >> 4;
                    o[64 + k * LANES + l] = (uint8_t)(e0 | (e1 << 4));
                }
            }
        }
    }
}

/* Attention of one decoding step, one row at a time:
   out[b][h*D + d] = sum_j softmax_j(q[b][h] . k[b][g][j] * scale) * v[b][g][j][d], over the
   positions j where mask[b][j] is set (g: the key/value head of query head h). A row's result
   never depends on other rows, on where its padding sits, or on the thread count: masked
   positions are skipped, never summed as zeros, and every sum runs in a fixed order (a dot
   product in sixteen interleaved float32 partial sums added pairwise, the softmax in float64,
   the weighted sum of values in float32 in order of j). */
#define DOT_LANES 16
static inline float dot(const float *q, const float *k, int64_t n) {
    float part[DOT_LANES] = {0};
    int64_t d0 = 0;
    for (; d0 + DOT_LANES <= n; d0 += DOT_LANES)
        for (int l = 0; l < DOT_LANES; l++) part[l] += q[d0 + l] * k[d0 + l];
    for (int l = 0; d0 + l < n; l++) part[l] += q[d0 + l] * k[d0 + l];
    for (int w = DOT_LANES / 2; w >= 1; w /= 2)
        for (int l = 0; l < w; l++) part[l] += part[l + w];
    return part[0];
}

/* One (row, head) item of attention: `weights` (positions doubles) and `acc` (dim floats) are
   the calling thread's scratch. */
static void attend_item(const float *qh, const float *kb, const float *vb, const int64_t *mb, float *o,
                        int64_t positions, int64_t dim, int64_t k_pos, int64_t v_pos, double scale, double *weights,
                        float *acc) {
    double top = -INFINITY;
    for (int64_t j = 0; j < positions; j++)
        if (mb[j]) {
            weights[j] = (double)dot(qh, kb + j * k_pos, dim) * scale;
            if (weights[j] > top) top = weights[j];
        }
    double total = 0.0;
    for (int64_t d = 0; d < dim; d++) acc[d] = 0.0f;
    for (int64_t j = 0; j < positions; j++)
        if (mb[j]) {
            double w = exp(weights[j] - top);
            total += w;
            float wf = (float)w;
            const float *vj = vb + j * v_pos;
            for (int64_t d = 0; d < dim; d++) acc[d] += wf * vj[d];
        }
    for (int64_t d = 0; d < dim; d++) o[d] = (float)((double)acc[d] / total);
}

int attend(const float *q, const float *k, const float *v, const int64_t *mask, float *out, int64_t rows,
           int64_t heads, int64_t kv_heads, int64_t positions, int64_t dim, int64_t k_row, int64_t k_head,
           int64_t k_pos, int64_t v_row, int64_t v_head, int64_t v_pos, double scale, int threads) {
    /* q: rows x heads x dim (contiguous); k, v: [rows][kv_heads][positions][dim] with strides
       (in floats) for the first three axes, the last contiguous; mask: rows x positions. */
    int64_t group = heads / kv_heads;
    int failed = 0;
#pragma omp parallel num_threads(threads < 1 ? 1 : threads)
    {
        double *weights = malloc(sizeof(double) * (size_t)positions);
        float *acc = malloc(sizeof(float) * (size_t)dim);
        if (weights == NULL || acc == NULL) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int64_t item = 0; item < rows * heads; item++) {
            if (weights == NULL || acc == NULL) continue;
            int64_t b = item / heads, h = item % heads, g = h / group;
            attend_item(q + (b * heads + h) * dim, k + b * k_row + g * k_head, v + b * v_row + g * v_head,
                        mask + b * positions, out + b * heads * dim + h * dim, positions, dim, k_pos, v_pos, scale,
                        weights, acc);
        }
        free(weights);
        free(acc);
    }
    return failed ? -1 : 0;
}

/* attend_f64: the prefill's attention, many query positions a row, as `fp64_attention`
   (models/lm/decoding.py) computes it: scores q.k in float64 times the scale, a float64 softmax
   (max, exp(x - max), the sum, times its reciprocal), the weighted sum of the values in float64,
   rounded to float32 once at the end. `allowed` [b][i][j] (strides in bytes for b and i, j
   contiguous) says which keys query i of row b may see; the others are skipped (torch adds the
   float32 minimum there, whose exp is an exact zero). A query that may see no key gets the mean
   of every value, as torch's softmax of equal scores gives it (such queries are padding: no
   real position ever reads them). Each (row, head, query) is one item in a fixed order; float64
   sums in an order other than torch's round back to the same float32 but for ties within
   a float64 ulp of a float32 rounding boundary, the same argument that makes torch's float64
   attention padding-invariant. The exp is SLEEF's `Sleef_expd8_u10` (torch's own, handed over
   by `set_expd`) where AVX-512 and the function are there, else libm's exp. */
#if defined(__AVX512F__)
typedef __m512d (*vexpd_t)(__m512d);
static vexpd_t vexpd = NULL;
void set_expd(void *fn) { vexpd = (vexpd_t)fn; }
static void exp_all(double *x, int64_t n) {
    int64_t j = 0;
    if (vexpd != NULL)
        for (; j + 8 <= n; j += 8) _mm512_storeu_pd(x + j, vexpd(_mm512_loadu_pd(x + j)));
    for (; j < n; j++) x[j] = exp(x[j]);
}
#else
void set_expd(void *fn) { (void)fn; }
static void exp_all(double *x, int64_t n) {
    for (int64_t j = 0; j < n; j++) x[j] = exp(x[j]);
}
#endif

#define F64_LANES 8
static inline double dot_f64(const double *q, const float *k, int64_t n) {
    double part[F64_LANES] = {0};
    int64_t d0 = 0;
    for (; d0 + F64_LANES <= n; d0 += F64_LANES)
        for (int l = 0; l < F64_LANES; l++) part[l] += q[d0 + l] * (double)k[d0 + l];
    for (int l = 0; d0 + l < n; l++) part[l] += q[d0 + l] * (double)k[d0 + l];
    for (int w = F64_LANES / 2; w >= 1; w /= 2)
        for (int l = 0; l < w; l++) part[l] += part[l + w];
    return part[0];
}

/* exp(w - top) in place over n scores; the reciprocal of their sum (the softmax's scale). */
static inline double softmax_scale(double *w, int64_t n, double top) {
    for (int64_t t = 0; t < n; t++) w[t] -= top;
    exp_all(w, n);
    double total = 0.0;
    for (int64_t t = 0; t < n; t++) total += w[t];
    return 1.0 / total;
}

/* One query's scores, softmax and weighted values over its n keys `at`. */
static inline __attribute__((always_inline)) void attend_f64_item(const float *qi, const float *kb, const float *vb,
                                                                  const int64_t *at, int64_t n, int64_t dim,
                                                                  int64_t k_j, int64_t v_j, double scale, double *w,
                                                                  double *qd, double *acc) {
    for (int64_t d = 0; d < dim; d++) qd[d] = (double)qi[d];
    double top = -INFINITY;
    for (int64_t t = 0; t < n; t++) {
        w[t] = dot_f64(qd, kb + at[t] * k_j, dim) * scale;
        if (w[t] > top) top = w[t];
    }
    double inverse = softmax_scale(w, n, top);
    for (int64_t d = 0; d < dim; d++) acc[d] = 0.0;
    for (int64_t t = 0; t < n; t++) {
        double wt = w[t] * inverse;
        const float *vj = vb + at[t] * v_j;
        for (int64_t d = 0; d < dim; d++) acc[d] += wt * (double)vj[d];
    }
}

#if defined(__AVX512F__)
/* The same item for a head of D = 8 * V dims in registers (AVX-512): the query and the
   accumulated values stay in V vectors of 8 doubles each. */
static inline __attribute__((always_inline)) void attend_f64_regs(const float *qi, const float *kb, const float *vb,
                                                                  const int64_t *at, int64_t n, const int V,
                                                                  int64_t k_j, int64_t v_j, double scale, double *w,
                                                                  double *acc) {
    __m512d qv[16], av[16];
    for (int c = 0; c < V; c++) qv[c] = _mm512_cvtps_pd(_mm256_loadu_ps(qi + 8 * c));
    double top = -INFINITY;
    for (int64_t t = 0; t < n; t++) {
        const float *kj = kb + at[t] * k_j;
        __m512d sum = _mm512_mul_pd(qv[0], _mm512_cvtps_pd(_mm256_loadu_ps(kj)));
        for (int c = 1; c < V; c++) sum = _mm512_add_pd(sum, _mm512_mul_pd(qv[c], _mm512_cvtps_pd(_mm256_loadu_ps(kj + 8 * c))));
        w[t] = _mm512_reduce_add_pd(sum) * scale;
        if (w[t] > top) top = w[t];
    }
    double inverse = softmax_scale(w, n, top);
    for (int c = 0; c < V; c++) av[c] = _mm512_setzero_pd();
    for (int64_t t = 0; t < n; t++) {
        __m512d wt = _mm512_set1_pd(w[t] * inverse);
        const float *vj = vb + at[t] * v_j;
        for (int c = 0; c < V; c++) av[c] = _mm512_add_pd(av[c], _mm512_mul_pd(wt, _mm512_cvtps_pd(_mm256_loadu_ps(vj + 8 * c))));
    }
    for (int c = 0; c < V; c++) _mm512_storeu_pd(acc + 8 * c, av[c]);
}
#endif

int attend_f64(const float *q, const float *k, const float *v, const uint8_t *allowed, float *out, int64_t batch,
               int64_t heads, int64_t kv_heads, int64_t q_len, int64_t k_len, int64_t dim, int64_t q_b, int64_t q_h,
               int64_t q_i, int64_t k_b, int64_t k_h, int64_t k_j, int64_t v_b, int64_t v_h, int64_t v_j,
               int64_t m_b, int64_t m_i, double scale, int threads) {
    /* q [batch][heads][q_len][dim], k and v [batch][kv_heads][k_len][dim]: strides in floats,
       dim contiguous; out [batch][q_len][heads][dim], contiguous. */
    int64_t group = heads / kv_heads, items = batch * heads * q_len;
    int failed = 0;
#pragma omp parallel num_threads(threads < 1 ? 1 : threads)
    {
        double *w = malloc(sizeof(double) * (size_t)(k_len + F64_LANES));
        int64_t *at = malloc(sizeof(int64_t) * (size_t)(k_len > 0 ? k_len : 1));
        double *qd = malloc(sizeof(double) * (size_t)dim), *acc = malloc(sizeof(double) * (size_t)dim);
        if (w == NULL || at == NULL || qd == NULL || acc == NULL) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int64_t item = 0; item < items; item++) {
            if (w == NULL || at == NULL || qd == NULL || acc == NULL) continue;
            int64_t b = item / (heads * q_len), h = (item / q_len) % heads, i = item % q_len, g = h / group;
            const float *qi = q + b * q_b + h * q_h + i * q_i;
            const float *kb = k + b * k_b + g * k_h, *vb = v + b * v_b + g * v_h;
            const uint8_t *mi = allowed + b * m_b + i * m_i;
            float *o = out + ((b * q_len + i) * heads + h) * dim;
            int64_t n = 0;
            for (int64_t j = 0; j < k_len; j++)
                if (mi[j]) at[n++] = j;
            if (n == 0) { /* every key masked: torch's softmax of equal scores, 1/k_len each */
                double each = 1.0 / (double)k_len;
                for (int64_t d = 0; d < dim; d++) acc[d] = 0.0;
                for (int64_t j = 0; j < k_len; j++) {
                    const float *vj = vb + j * v_j;
                    for (int64_t d = 0; d < dim; d++) acc[d] += each * (double)vj[d];
                }
            } else {
#if defined(__AVX512F__)
                if (dim == 64)
                    attend_f64_regs(qi, kb, vb, at, n, 8, k_j, v_j, scale, w, acc);
                else if (dim == 128)
                    attend_f64_regs(qi, kb, vb, at, n, 16, k_j, v_j, scale, w, acc);
                else
#endif
                    attend_f64_item(qi, kb, vb, at, n, dim, k_j, v_j, scale, w, qd, acc);
            }
            for (int64_t d = 0; d < dim; d++) o[d] = (float)acc[d];
        }
        free(w);
        free(at);
        free(qd);
        free(acc);
    }
    return failed ? -1 : 0;
}

/* torch's float32 RMS norm, bit for bit: out = (x * rsqrt(mean(x * x) + eps)) * w, the mean a
   sum in the order of torch's CPU sum kernel (ATen's `cascade_sum`: vectors of 8 floats, four
   interleaved accumulators, a cascade of four levels of 16 steps, then the four accumulators in
   order, then the scalars past the last whole vector and the 8 lanes, in order, onto 0) divided
   by n. models/lm/kernels.py checks these bits against torch's on this machine before the step
   uses them (`fused_checked`), and decodes through torch's norm where they differ. */
#define SUM_W 8
#define SUM_ILP 4
#define SUM_LEVELS 4
static inline int64_t ceil_log2(int64_t x) {
    if (x <= 2) return 1;
    int64_t bits = 0;
    for (uint64_t v = (uint64_t)(x - 1); v; v >>= 1) bits++;
    return bits;
}

static float torch_sum_squares(const float *x, int64_t n) {
    int64_t nv = n / SUM_W, size = nv / SUM_ILP;
    int64_t power = ceil_log2(size) / SUM_LEVELS;
    if (power < 4) power = 4;
    const int64_t step = (int64_t)1 << power, mask = step - 1;
    float acc[SUM_LEVELS][SUM_ILP][SUM_W] = {{{0}}};
    int64_t i = 0;
    while (i + step <= size) {
        for (int64_t j = 0; j < step; j++, i++)
            for (int k = 0; k < SUM_ILP; k++)
                for (int l = 0; l < SUM_W; l++) {
                    float e = x[(i * SUM_ILP + k) * SUM_W + l];
                    acc[0][k][l] += e * e;
                }
        for (int j = 1; j < SUM_LEVELS; j++) {
            for (int k = 0; k < SUM_ILP; k++)
                for (int l = 0; l < SUM_W; l++) {
                    acc[j][k][l] += acc[j - 1][k][l];
                    acc[j - 1][k][l] = 0.0f;
                }
            if ((i & (mask << (j * power))) != 0) break;
        }
    }
    for (; i < size; i++)
        for (int k = 0; k < SUM_ILP; k++)
            for (int l = 0; l < SUM_W; l++) {
                float e = x[(i * SUM_ILP + k) * SUM_W + l];
                acc[0][k][l] += e * e;
            }
    for (int j = 1; j < SUM_LEVELS; j++)
        for (int k = 0; k < SUM_ILP; k++)
            for (int l = 0; l < SUM_W; l++) acc[0][k][l] += acc[j][k][l];
    for (int64_t v = size * SUM_ILP; v < nv; v++)
        for (int l = 0; l < SUM_W; l++) {
            float e = x[v * SUM_W + l];
            acc[0][0][l] += e * e;
        }
    for (int k = 1; k < SUM_ILP; k++)
        for (int l = 0; l < SUM_W; l++) acc[0][0][l] += acc[0][k][l];
    float total = 0.0f;
    for (int64_t t = nv * SUM_W; t < n; t++) total += x[t] * x[t];
    for (int l = 0; l < SUM_W; l++) total += acc[0][0][l];
    return total;
}

static inline void rms_row(const float *x, const float *w, float *out, int64_t n, float eps) {
    float mean = torch_sum_squares(x, n) / (float)n;
    float r = 1.0f / sqrtf(mean + eps);
    for (int64_t i = 0; i < n; i++) out[i] = (x[i] * r) * w[i];
}

void rms_norm(const float *x, const float *w, float *out, int64_t rows, int64_t n, float eps) {
    for (int64_t b = 0; b < rows; b++) rms_row(x + b * n, w, out + b * n, n, eps);
}

/* silu(g) * u as torch computes it on a CPU with AVX-512: g / (1 + exp(-g)) with SLEEF's
   expf (16 lanes, 1 ulp: `Sleef_expf16_u10`, torch's own, handed over by `set_exp`), rounded,
   then times u; the elements past the last whole vector with libm's expf, as torch's scalar
   tail does. Without AVX-512 or without the function, `silu_ready` is 0 and the step leaves
   this to torch. */
#if defined(__AVX512F__)
typedef __m512 (*vexp_t)(__m512);
static vexp_t vexp = NULL;
void set_exp(void *fn) { vexp = (vexp_t)fn; }
int silu_ready(void) { return vexp != NULL; }
static void silu_mul_row(const float *g, const float *u, float *out, int64_t n) {
    int64_t i = 0;
    const __m512 one = _mm512_set1_ps(1.0f), sign = _mm512_set1_ps(-0.0f);
    for (; i + 16 <= n; i += 16) {
        __m512 x = _mm512_loadu_ps(g + i);
        __m512 e = vexp(_mm512_xor_ps(sign, x));
        __m512 s = _mm512_div_ps(x, _mm512_add_ps(one, e));
        _mm512_storeu_ps(out + i, _mm512_mul_ps(s, _mm512_loadu_ps(u + i)));
    }
    for (; i < n; i++) {
        float s = g[i] / (1.0f + expf(-g[i]));
        out[i] = s * u[i];
    }
}
#else
void set_exp(void *fn) { (void)fn; }
int silu_ready(void) { return 0; }
static void silu_mul_row(const float *g, const float *u, float *out, int64_t n) {
    for (int64_t i = 0; i < n; i++) out[i] = (g[i] / (1.0f + expf(-g[i]))) * u[i];
}
#endif

/* gu: rows x ld (gate in [0, n), up in [n, 2n)); out: rows x n. */
void silu_mul(const float *gu, float *out, int64_t rows, int64_t n, int64_t ld) {
    for (int64_t b = 0; b < rows; b++) silu_mul_row(gu + b * ld, gu + b * ld + n, out + b * n, n);
}

/* A whole decoding step of a Llama-family model in one call and one OpenMP team: for each layer
   the RMS norm, the q/k/v product, rotary embedding (x * cos + rotate_half(x) * sin, as torch
   computes it), this position's keys and values written into the cache, attention, the output
   product added to the residual, the norm, the gate/up product, silu(gate) * up, the down product
   added to the residual; then the final norm and the head. Every part computes exactly what
   models/lm/llama_step.py computes through torch and these kernels, each output in the same
   order, and every parallel loop hands whole outputs to threads, so a row's bits never depend on
   the other rows or the thread count. */
typedef struct {
    const void *w;
    int64_t kind; /* 0: float32 panels, 1: Q4_1, 2: Q8_0 */
    int64_t panels;
    int64_t n_in;
} mat_t;

typedef struct {
    mat_t qkv, o, gate_up, down;
    const float *in_norm, *post_norm;
} layer_t;

static void mat_for(const mat_t *m, const float *X, float *out, int64_t rows) {
    int64_t ldo = m->panels * LANES;
    if (m->kind == 0)
        panel_mm_for((const float *)m->w, X, out, m->panels, m->n_in, rows, ldo);
    else
        quant_mm_for((const uint8_t *)m->w, X, out, m->panels, m->n_in, rows, ldo, m->kind == 2);
}

enum { D_ROWS, D_HIDDEN, D_HEADS, D_KV_HEADS, D_DIM, D_INTER, D_AT, D_COUNT };
enum { C_K, C_V, C_K_ROW, C_K_HEAD, C_K_POS, C_V_ROW, C_V_HEAD, C_V_POS, C_COUNT };

int decode_step(const layer_t *layers, int64_t n_layers, const mat_t *head, const float *final_norm,
                const int64_t *cache, float *h, float *logits, const float *cos, const float *sin,
                const int64_t *mask, const int64_t *dims, float eps, double scale, int threads) {
    const int64_t rows = dims[D_ROWS], hidden = dims[D_HIDDEN], heads = dims[D_HEADS], kv_heads = dims[D_KV_HEADS];
    const int64_t dim = dims[D_DIM], inter = dims[D_INTER], at = dims[D_AT], positions = at + 1;
    const int64_t half = dim / 2, group = heads / kv_heads, roped = heads + kv_heads;
    int64_t ld_qkv = 0, ld_gu = 0, ld_out = hidden;
    for (int64_t l = 0; l < n_layers; l++) {
        if (layers[l].qkv.panels * LANES > ld_qkv) ld_qkv = layers[l].qkv.panels * LANES;
        if (layers[l].gate_up.panels * LANES > ld_gu) ld_gu = layers[l].gate_up.panels * LANES;
        if (layers[l].o.panels * LANES > ld_out) ld_out = layers[l].o.panels * LANES;
        if (layers[l].down.panels * LANES > ld_out) ld_out = layers[l].down.panels * LANES;
    }
    float *x = malloc(sizeof(float) * (size_t)(rows * hidden));
    float *qkv = malloc(sizeof(float) * (size_t)(rows * ld_qkv));
    float *q = malloc(sizeof(float) * (size_t)(rows * heads * dim));
    float *att = malloc(sizeof(float) * (size_t)(rows * heads * dim));
    float *out = malloc(sizeof(float) * (size_t)(rows * ld_out));
    float *gu = malloc(sizeof(float) * (size_t)(rows * ld_gu));
    float *act = malloc(sizeof(float) * (size_t)(rows * inter));
    int failed = x == NULL || qkv == NULL || q == NULL || att == NULL || out == NULL || gu == NULL || act == NULL;
    if (!failed) {
#pragma omp parallel num_threads(threads < 1 ? 1 : threads)
        {
            double *weights = malloc(sizeof(double) * (size_t)positions);
            float *acc = malloc(sizeof(float) * (size_t)dim);
            int mine = weights == NULL || acc == NULL;
            if (mine) {
#pragma omp atomic write
                failed = 1;
            }
#pragma omp barrier
            if (!failed) {
                for (int64_t l = 0; l < n_layers; l++) {
                    const layer_t *L = layers + l;
                    const int64_t *c = cache + l * C_COUNT;
                    float *kc = (float *)(intptr_t)c[C_K], *vc = (float *)(intptr_t)c[C_V];
#pragma omp for schedule(static)
                    for (int64_t b = 0; b < rows; b++) rms_row(h + b * hidden, L->in_norm, x + b * hidden, hidden, eps);
                    mat_for(&L->qkv, x, qkv, rows);
#pragma omp for schedule(static)
                    for (int64_t item = 0; item < rows * (roped + kv_heads); item++) {
                        int64_t b = item / (roped + kv_heads), hh = item % (roped + kv_heads);
                        const float *src = qkv + b * L->qkv.panels * LANES + hh * dim;
                        if (hh >= roped) { /* a value head: into the cache as it is */
                            float *dst = vc + b * c[C_V_ROW] + (hh - roped) * c[C_V_HEAD] + at * c[C_V_POS];
                            for (int64_t d = 0; d < dim; d++) dst[d] = src[d];
                            continue;
                        }
                        const float *cb = cos + b * dim, *sb = sin + b * dim;
                        float *dst = hh < heads ? q + (b * heads + hh) * dim
                                                : kc + b * c[C_K_ROW] + (hh - heads) * c[C_K_HEAD] + at * c[C_K_POS];
                        for (int64_t d = 0; d < half; d++) dst[d] = src[d] * cb[d] + (-src[d + half]) * sb[d];
                        for (int64_t d = half; d < dim; d++) dst[d] = src[d] * cb[d] + src[d - half] * sb[d];
                    }
#pragma omp for schedule(static)
                    for (int64_t item = 0; item < rows * heads; item++) {
                        int64_t b = item / heads, hd = item % heads, g = hd / group;
                        attend_item(q + (b * heads + hd) * dim, kc + b * c[C_K_ROW] + g * c[C_K_HEAD],
                                    vc + b * c[C_V_ROW] + g * c[C_V_HEAD], mask + b * positions,
                                    att + (b * heads + hd) * dim, positions, dim, c[C_K_POS], c[C_V_POS], scale,
                                    weights, acc);
                    }
                    mat_for(&L->o, att, out, rows);
#pragma omp for schedule(static)
                    for (int64_t b = 0; b < rows; b++) {
                        float *hb = h + b * hidden;
                        const float *ob = out + b * L->o.panels * LANES;
                        for (int64_t i = 0; i < hidden; i++) hb[i] = hb[i] + ob[i];
                        rms_row(hb, L->post_norm, x + b * hidden, hidden, eps);
                    }
                    mat_for(&L->gate_up, x, gu, rows);
#pragma omp for schedule(static)
                    for (int64_t b = 0; b < rows; b++)
                        silu_mul_row(gu + b * L->gate_up.panels * LANES, gu + b * L->gate_up.panels * LANES + inter,
                                     act + b * inter, inter);
                    mat_for(&L->down, act, out, rows);
#pragma omp for schedule(static)
                    for (int64_t b = 0; b < rows; b++) {
                        float *hb = h + b * hidden;
                        const float *ob = out + b * L->down.panels * LANES;
                        for (int64_t i = 0; i < hidden; i++) hb[i] = hb[i] + ob[i];
                        if (l == n_layers - 1) rms_row(hb, final_norm, x + b * hidden, hidden, eps);
                    }
                }
                mat_for(head, x, logits, rows);
            }
            free(weights);
            free(acc);
        }
    }
    free(x);
    free(qkv);
    free(q);
    free(att);
    free(out);
    free(gu);
    free(act);
    return failed ? -1 : 0;
}
