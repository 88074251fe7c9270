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

#define CASE(C)                                                                          \
    case C:                                                                              \
        _Pragma("omp parallel for num_threads(threads) schedule(static)")              \
        for (int64_t b = 0; b < whole; b += PANELS) block(P, X, out, b, PANELS, n_in, ldo, C); \
        for (int64_t b = whole; b < panels; b++) block(P, X, out, b, 1, n_in, ldo, C);       \
        break;

static void chunk(const float *P, const float *X, float *out, int64_t panels, int64_t n_in, int64_t ldo,
                  int cols, int threads) {
    int64_t whole = panels / PANELS * PANELS;
    switch (cols) { CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) }
}
#else
static void chunk(const float *P, const float *X, float *out, int64_t panels, int64_t n_in, int64_t ldo,
                  int cols, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
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
void panel_mm(const float *P, const float *X, float *out, int64_t panels, int64_t n_in, int64_t rows,
              int64_t ldo, int threads) {
    for (int64_t c0 = 0; c0 < rows; c0 += COLS) {
        int cols = rows - c0 < COLS ? (int)(rows - c0) : COLS;
        chunk(P, X + c0 * n_in, out + c0 * ldo, panels, n_in, ldo, cols, threads < 1 ? 1 : threads);
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
            const float *qh = q + (b * heads + h) * dim;
            const float *kb = k + b * k_row + g * k_head;
            const float *vb = v + b * v_row + g * v_head;
            const int64_t *mb = mask + b * positions;
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
            float *o = out + b * heads * dim + h * dim;
            for (int64_t d = 0; d < dim; d++) o[d] = (float)((double)acc[d] / total);
        }
        free(weights);
        free(acc);
    }
    return failed ? -1 : 0;
}
