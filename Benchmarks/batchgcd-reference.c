/* The plain batch GCD that keyport's is measured against: product tree, textbook remainder tree
 * (P mod P_v^2 at every node, one long division each), leaf gcds; GMP, with every node of a tree
 * level computed in parallel by OpenMP (all cores busy wherever a level has at least as many
 * nodes as there are cores; the top levels have one or two huge nodes and run on as many cores).
 * Inputs: n products of two random odd 1024-bit numbers (cost depends only on the sizes).
 *
 *   cc -O2 -fopenmp Benchmarks/batchgcd-reference.c -lgmp -o /tmp/batchgcd-reference
 *   /usr/bin/time -v /tmp/batchgcd-reference 10000
 *
 * OMP_NUM_THREADS=1 gives the single-threaded reference.
 */
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000;
    if (n < 2) return 2;
    gmp_randstate_t rs;
    gmp_randinit_default(rs);
    gmp_randseed_ui(rs, 42);
    mpz_t a, b;
    mpz_inits(a, b, NULL);
    mpz_t *level[64];
    long count[64];
    level[0] = malloc(n * sizeof(mpz_t));
    count[0] = n;
    for (long i = 0; i < n; i++) {
        mpz_init(level[0][i]);
        mpz_urandomb(a, rs, 1024); mpz_setbit(a, 1023); mpz_setbit(a, 0);
        mpz_urandomb(b, rs, 1024); mpz_setbit(b, 1023); mpz_setbit(b, 0);
        mpz_mul(level[0][i], a, b);
    }
    double t0 = now();
    int top = 0;
    while (count[top] > 1) {
        long m = (count[top] + 1) / 2;
        level[top + 1] = malloc(m * sizeof(mpz_t));
        #pragma omp parallel for schedule(dynamic)
        for (long i = 0; i < m; i++) {
            mpz_init(level[top + 1][i]);
            if (2 * i + 1 < count[top]) mpz_mul(level[top + 1][i], level[top][2 * i], level[top][2 * i + 1]);
            else mpz_set(level[top + 1][i], level[top][2 * i]);
        }
        top++;
        count[top] = m;
    }
    double t1 = now();
    mpz_t *rem = level[top];
    for (int l = top - 1; l >= 0; l--) {
        mpz_t *next = malloc(count[l] * sizeof(mpz_t));
        #pragma omp parallel for schedule(dynamic)
        for (long i = 0; i < count[l]; i++) {
            mpz_t square;
            mpz_init(square);
            mpz_init(next[i]);
            mpz_mul(square, level[l][i], level[l][i]);
            mpz_mod(next[i], rem[i / 2], square);
            mpz_clear(square);
        }
        for (long i = 0; i < count[l + 1]; i++) mpz_clear(rem[i]);
        free(rem);
        if (l > 0) { /* the product level is no longer needed once its remainders exist */
            for (long i = 0; i < count[l]; i++) mpz_clear(level[l][i]);
            free(level[l]);
        }
        rem = next;
    }
    long flagged = 0;
    #pragma omp parallel for schedule(dynamic, 64) reduction(+:flagged)
    for (long i = 0; i < n; i++) {
        mpz_t g;
        mpz_init(g);
        mpz_fdiv_q(g, rem[i], level[0][i]);
        mpz_gcd(g, g, level[0][i]);
        if (mpz_cmp_ui(g, 1) != 0) flagged++;
        mpz_clear(g);
    }
    double t2 = now();
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    printf("reference batch GCD: %ld x 2048-bit moduli, %d threads: %.2f s (product tree %.2f s, remainder tree and gcds %.2f s), %ld flagged\n",
           n, threads, t2 - t0, t1 - t0, t2 - t1, flagged);
    return 0;
}
