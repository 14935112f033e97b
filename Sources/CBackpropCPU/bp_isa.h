// What the CPU kernels share (not part of the module's interface): the 16-lane vector type,
// the instruction-set attributes, and DISPATCHED, which builds a kernel's body once per
// instruction set and exports the function that runs the instance bp_isa_level picks.
#ifndef BP_ISA_H
#define BP_ISA_H

#include <stddef.h>

typedef float v16 __attribute__((vector_size(64), aligned(4)));   // loads and stores need no alignment

#define INLINE static inline __attribute__((always_inline))

// Macros, not functions: a 16-float vector passed to or returned from a function would
// change the calling convention with the instruction set.
#define ld16(p) (*(const v16 *)(p))
#define st16(p, v) (*(v16 *)(p) = (v))
typedef float v8 __attribute__((vector_size(32), aligned(4)));
typedef float v4 __attribute__((vector_size(16), aligned(4)));
// The sum of a vector's 16 lanes, as a tree (halves added, four times): four dependent adds
// where a lane-by-lane sum makes sixteen.
#define HSUM(v, out) do {                                                                        \
        v16 h16_ = (v);                                                                          \
        v8 h8_ = __builtin_shufflevector(h16_, h16_, 0, 1, 2, 3, 4, 5, 6, 7)                     \
               + __builtin_shufflevector(h16_, h16_, 8, 9, 10, 11, 12, 13, 14, 15);              \
        v4 h4_ = __builtin_shufflevector(h8_, h8_, 0, 1, 2, 3) + __builtin_shufflevector(h8_, h8_, 4, 5, 6, 7); \
        (out) = (h4_[0] + h4_[2]) + (h4_[1] + h4_[3]);                                           \
    } while (0)

/// The instruction set the kernels run with: 1 baseline, 2 AVX2+FMA, 3 AVX-512 (chosen at the
/// first call: the widest this CPU has, unless bp_cpu_use_kernel_isa set another).
int bp_isa_level(void);
/// This thread's own choice of instance (0: none, the process's), and setting it: bp_team
/// hands a run's caller's choice to its workers.
int bp_isa_override(void);
void bp_isa_set_override(int level);

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define BP_X86 1
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")))
#define AVX2 __attribute__((target("avx2,fma")))
#endif

// One kernel's instances (its body built per instruction set) and the exported function
// that runs the one bp_isa_level picks. ARGS and PASS name the parameter and argument lists.
#ifdef BP_X86
#define DISPATCHED(name, body, ARGS, PASS)                                  \
    static void name##_baseline(ARGS) { body(PASS); }                       \
    AVX2 static void name##_avx2(ARGS) { body(PASS); }                      \
    AVX512 static void name##_avx512(ARGS) { body(PASS); }                  \
    void bp_##name(ARGS) { RUN_CHOSEN(name, PASS) }
// Calls the instance of `name` (name_avx512, name_avx2, name_baseline) bp_isa_level picks.
#define RUN_CHOSEN(name, ...)                                               \
    switch (bp_isa_level()) {                                               \
    case 3: name##_avx512(__VA_ARGS__); break;                              \
    case 2: name##_avx2(__VA_ARGS__); break;                                \
    default: name##_baseline(__VA_ARGS__); break;                           \
    }
#else
#define DISPATCHED(name, body, ARGS, PASS) void bp_##name(ARGS) { body(PASS); }
#endif
#endif
