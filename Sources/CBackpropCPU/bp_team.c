// See bp_cpu.h (bp_team). Workers spin on a run counter for a short while after each run
// (stochastic steps come microseconds apart), then sleep on a condition variable, so an idle
// team costs nothing. Barriers spin, yielding the core after a while: when the machine is
// oversubscribed a spinning thread would otherwise hold the core its partner needs.
#define _GNU_SOURCE
#include "bp_cpu.h"
#include "bp_isa.h"
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

// Spins before a waiting worker sleeps (~0.1–0.5 ms) and before a barrier yields.
enum { SPINS_BEFORE_SLEEP = 20000, SPINS_BEFORE_YIELD = 2000 };

typedef struct {
    _Alignas(64) unsigned long value;
} padded_counter;

struct bp_team {
    int size;
    pthread_t *threads;
    void (*fn)(void *, int);
    void *context;
    int isa;                   // the caller's choice of kernel instance, for the run's workers
    padded_counter run;        // bumped to start a run
    padded_counter finished;   // workers done with the current run
    padded_counter arrived;    // barrier arrivals in this phase
    padded_counter phase;      // barrier generation
    padded_counter rest;       // bumped to send spinning workers to sleep at once
    int idle_spins;            // spins before a waiting worker sleeps
    int stopping;
    int sleepers;
    pthread_mutex_t lock;
    pthread_cond_t wake;
};

typedef struct { bp_team *team; int index; } worker_arg;

static void wait_while_equal(const unsigned long *p, unsigned long v) {
    for (int spins = 0; __atomic_load_n(p, __ATOMIC_ACQUIRE) == v; spins++) {
        if (spins >= SPINS_BEFORE_YIELD) { sched_yield(); spins = 0; } else CPU_RELAX();
    }
}

static void *worker(void *p) {
    worker_arg arg = *(worker_arg *)p;
    free(p);
    bp_team *team = arg.team;
    unsigned long seen = 0;
    for (;;) {
        int spins = 0;
        const int idle = __atomic_load_n(&team->idle_spins, __ATOMIC_RELAXED);
        const unsigned long rest = __atomic_load_n(&team->rest.value, __ATOMIC_RELAXED);
        while (__atomic_load_n(&team->run.value, __ATOMIC_ACQUIRE) == seen) {
            if (++spins < idle && __atomic_load_n(&team->rest.value, __ATOMIC_RELAXED) == rest) {
                CPU_RELAX();
                continue;
            }
            // Sequentially consistent both here and in bp_team_run (the counter's bump, then
            // this count's read): either the runner sees a sleeper, or the sleeper sees the run.
            pthread_mutex_lock(&team->lock);
            __atomic_add_fetch(&team->sleepers, 1, __ATOMIC_SEQ_CST);
            while (__atomic_load_n(&team->run.value, __ATOMIC_SEQ_CST) == seen && !team->stopping)
                pthread_cond_wait(&team->wake, &team->lock);
            __atomic_sub_fetch(&team->sleepers, 1, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&team->lock);
            spins = 0;
        }
        if (__atomic_load_n(&team->stopping, __ATOMIC_ACQUIRE)) return NULL;
        seen = __atomic_load_n(&team->run.value, __ATOMIC_ACQUIRE);
        bp_isa_set_override(team->isa);
        team->fn(team->context, arg.index);
        __atomic_add_fetch(&team->finished.value, 1, __ATOMIC_ACQ_REL);
    }
}

bp_team *bp_team_create(int threads) {
    if (threads < 1) threads = 1;
    bp_team *team = calloc(1, sizeof *team);
    if (!team) return NULL;
    team->size = threads;
    team->idle_spins = SPINS_BEFORE_SLEEP;
    pthread_mutex_init(&team->lock, NULL);
    pthread_cond_init(&team->wake, NULL);
    team->threads = calloc((size_t)threads, sizeof(pthread_t));
    if (!team->threads) { free(team); return NULL; }
    for (int i = 1; i < threads; i++) {
        worker_arg *arg = malloc(sizeof *arg);
        if (!arg) { team->size = i; bp_team_destroy(team); return NULL; }
        arg->team = team;
        arg->index = i;
        if (pthread_create(&team->threads[i], NULL, worker, arg) != 0) {
            free(arg);
            team->size = i;
            bp_team_destroy(team);
            return NULL;
        }
    }
    return team;
}

void bp_team_destroy(bp_team *team) {
    if (!team) return;
    pthread_mutex_lock(&team->lock);
    __atomic_store_n(&team->stopping, 1, __ATOMIC_RELEASE);
    __atomic_add_fetch(&team->run.value, 1, __ATOMIC_ACQ_REL);
    pthread_cond_broadcast(&team->wake);
    pthread_mutex_unlock(&team->lock);
    for (int i = 1; i < team->size; i++) pthread_join(team->threads[i], NULL);
    pthread_cond_destroy(&team->wake);
    pthread_mutex_destroy(&team->lock);
    free(team->threads);
    free(team);
}

int bp_team_size(const bp_team *team) { return team->size; }

void bp_team_set_idle_spins(bp_team *team, int spins) {
    __atomic_store_n(&team->idle_spins, spins < 0 ? 0 : spins, __ATOMIC_RELAXED);
}

void bp_team_rest(bp_team *team) { __atomic_add_fetch(&team->rest.value, 1, __ATOMIC_RELAXED); }

void bp_team_run(bp_team *team, void (*fn)(void *, int), void *context) {
    if (team->size == 1) { fn(context, 0); return; }
    team->fn = fn;
    team->isa = bp_isa_override();
    team->context = context;
    __atomic_store_n(&team->finished.value, 0, __ATOMIC_RELAXED);
    __atomic_add_fetch(&team->run.value, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&team->sleepers, __ATOMIC_SEQ_CST)) {
        pthread_mutex_lock(&team->lock);
        pthread_cond_broadcast(&team->wake);
        pthread_mutex_unlock(&team->lock);
    }
    fn(context, 0);
    unsigned long want = (unsigned long)(team->size - 1);
    for (int spins = 0; __atomic_load_n(&team->finished.value, __ATOMIC_ACQUIRE) != want; spins++) {
        if (spins >= SPINS_BEFORE_YIELD) { sched_yield(); spins = 0; } else CPU_RELAX();
    }
}

void bp_team_barrier(bp_team *team) {
    if (team->size == 1) return;
    unsigned long phase = __atomic_load_n(&team->phase.value, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&team->arrived.value, 1, __ATOMIC_ACQ_REL) == (unsigned long)team->size) {
        __atomic_store_n(&team->arrived.value, 0, __ATOMIC_RELAXED);
        __atomic_add_fetch(&team->phase.value, 1, __ATOMIC_ACQ_REL);
    } else {
        wait_while_equal(&team->phase.value, phase);
    }
}

typedef struct { bp_team *team; int rounds; double ns; } barrier_timing;

static void time_barriers(void *p, int thread) {
    barrier_timing *c = p;
    struct timespec a, b;
    bp_team_barrier(c->team);
    if (thread == 0) clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < c->rounds; i++) bp_team_barrier(c->team);
    if (thread == 0) {
        clock_gettime(CLOCK_MONOTONIC, &b);
        c->ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / c->rounds;
    }
}

double bp_team_barrier_ns(bp_team *team, int rounds) {
    barrier_timing c = { team, rounds < 1 ? 1 : rounds, 0 };
    bp_team_run(team, time_barriers, &c);
    return c.ns;
}
