// One cache line passed back and forth between two threads pinned to CPUs A and B (default 0
// and 1): prints the mean round trip in ns. On one 2-core Zen 4 guest it read 55-85 ns most of
// the time and 325-375 ns for seconds to minutes at a time (the hypervisor had placed the two
// virtual cores far apart), which moves every figure of work split over the two.
//   cc -O2 -o pingpong Benchmarks/pingpong.c -lpthread && ./pingpong [A B]
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { ROUNDS = 200000 };
static _Alignas(64) volatile long flag;
static int cpus[2] = {0, 1};

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
        fprintf(stderr, "pingpong: cannot pin a thread to CPU %d\n", cpu);
        exit(1);
    }
}

static void *partner(void *unused) {
    (void)unused;
    pin(cpus[1]);
    for (long i = 0; i < ROUNDS; i++) {
        while (flag != 2 * i + 1) {}
        flag = 2 * i + 2;
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc == 3) { cpus[0] = atoi(argv[1]); cpus[1] = atoi(argv[2]); }
    pthread_t t;
    pin(cpus[0]);
    if (pthread_create(&t, NULL, partner, NULL) != 0) { fprintf(stderr, "pingpong: no thread\n"); return 1; }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < ROUNDS; i++) {
        flag = 2 * i + 1;
        while (flag != 2 * i + 2) {}
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    pthread_join(t, NULL);
    printf("%.0f\n", ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / ROUNDS);
    return 0;
}
