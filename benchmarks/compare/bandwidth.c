// Streaming-read bandwidth probe for benchmarks/compare.sh: the ceiling for token generation,
// which reads every weight once per token (tg <= bandwidth / file size).
// Each thread sums its own contiguous slice of a buffer far larger than the caches; the best
// and median of several passes are printed as "threads=N best_gbs=X median_gbs=Y".
// Build: cc -O3 -march=native -pthread bandwidth.c -o bandwidth
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { passes = 7 };

typedef struct {
    const uint64_t *data;
    size_t count;
    uint64_t sum;
    pthread_barrier_t *barrier;
} slice_t;

static void *read_slice(void *arg) {
    slice_t *s = arg;
    pthread_barrier_wait(s->barrier);
    // Four independent sums so the loop is bound by loads, not by one add chain;
    // -O3 -march=native vectorizes it to full-width loads.
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i + 4 <= s->count; i += 4) {
        a += s->data[i]; b += s->data[i + 1]; c += s->data[i + 2]; d += s->data[i + 3];
    }
    s->sum = a + b + c + d;
    pthread_barrier_wait(s->barrier);
    return NULL;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int compare(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    size_t mib = argc > 2 ? (size_t)atol(argv[2]) : 1024;
    if (threads < 1 || mib < 64) {
        fprintf(stderr, "usage: bandwidth THREADS [MIB>=64]\n");
        return 2;
    }
    size_t bytes = mib << 20, count = bytes / sizeof(uint64_t);
    uint64_t *data = aligned_alloc(64, bytes);
    if (!data) { fprintf(stderr, "bandwidth: cannot allocate %zu MiB\n", mib); return 1; }
    for (size_t i = 0; i < count; i++) data[i] = i; // touch every page: no page faults while timing

    double rates[passes];
    uint64_t checksum = 0;
    for (int p = 0; p < passes; p++) {
        pthread_barrier_t barrier;
        pthread_barrier_init(&barrier, NULL, threads + 1);
        pthread_t ids[threads];
        slice_t slices[threads];
        size_t per = count / threads;
        for (int t = 0; t < threads; t++) {
            slices[t] = (slice_t){ data + per * t, per, 0, &barrier };
            pthread_create(&ids[t], NULL, read_slice, &slices[t]);
        }
        pthread_barrier_wait(&barrier);
        double start = now();
        pthread_barrier_wait(&barrier);
        double seconds = now() - start;
        for (int t = 0; t < threads; t++) { pthread_join(ids[t], NULL); checksum += slices[t].sum; }
        pthread_barrier_destroy(&barrier);
        rates[p] = (double)(per * threads * sizeof(uint64_t)) / seconds / 1e9;
    }
    qsort(rates, passes, sizeof(double), compare);
    printf("threads=%d best_gbs=%.1f median_gbs=%.1f checksum=%llu\n", threads, rates[passes - 1], rates[passes / 2],
           (unsigned long long)(checksum & 0xff));
    free(data);
    return 0;
}
