// fann_throughput: FANN itself (Debian's libfann-dev, float build) training an MLP of the
// given sizes incrementally (one fann_train call per sample: FANN's stochastic mode), timed,
// as the classic stochastic peer of `backprop bench --modes stochastic`.
//
//   cc -O2 -o fann_throughput fann_throughput.c -lfloatfann -lm
//   ./fann_throughput SIZES SAMPLES REPEATS      e.g.  ./fann_throughput 784,128,10 10000 3
//
// Data as the other peers' generated set has it in shape: inputs uniform in [0, 1), one-hot
// targets of random classes (seeded). FANN 2.2 has neither ReLU nor softmax: hidden units are
// FANN_SIGMOID_SYMMETRIC, outputs FANN_SIGMOID, with FANN's MSE error; learning rate 0.01, no
// momentum. The arithmetic per step is the same three passes over each weight matrix
// (forward, backward, update); the activations cost a few hundred exp() calls a step beside
// ~200,000 multiply-adds for 784-128-10. Prints one JSON object per run: the median, min and
// max samples/s over REPEATS passes over the SAMPLES samples, after one warm-up pass of 100.
#include <floatfann.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s SIZES SAMPLES REPEATS\n", argv[0]);
        return 64;
    }
    unsigned int layers[16], count = 0;
    char sizes[256];
    strncpy(sizes, argv[1], sizeof sizes - 1);
    sizes[sizeof sizes - 1] = 0;
    for (char *part = strtok(sizes, ","); part && count < 16; part = strtok(NULL, ",")) layers[count++] = (unsigned)atoi(part);
    const int samples = atoi(argv[2]), repeats = atoi(argv[3]);
    if (count < 2 || samples < 1 || repeats < 1 || repeats > 100) {
        fprintf(stderr, "fann_throughput: need at least two layer sizes, SAMPLES ≥ 1 and 1 ≤ REPEATS ≤ 100\n");
        return 64;
    }
    const unsigned in = layers[0], out = layers[count - 1];
    srand(42);
    float *x = malloc(sizeof(float) * (size_t)samples * in);
    float *t = calloc((size_t)samples * out, sizeof(float));
    if (!x || !t) return 70;
    for (size_t i = 0; i < (size_t)samples * in; i++) x[i] = (float)rand() / ((float)RAND_MAX + 1.0f);
    for (int s = 0; s < samples; s++) t[(size_t)s * out + (unsigned)rand() % out] = 1;
    struct fann *ann = fann_create_standard_array(count, layers);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
    fann_set_learning_rate(ann, 0.01f);
    fann_set_learning_momentum(ann, 0.0f);
    fann_randomize_weights(ann, -0.1f, 0.1f);
    for (int s = 0; s < samples && s < 100; s++) fann_train(ann, x + (size_t)s * in, t + (size_t)s * out);
    double rate[100];
    for (int r = 0; r < repeats; r++) {
        double t0 = now();
        for (int s = 0; s < samples; s++) fann_train(ann, x + (size_t)s * in, t + (size_t)s * out);
        rate[r] = samples / (now() - t0);
    }
    double sorted[100];
    memcpy(sorted, rate, sizeof(double) * (size_t)repeats);
    qsort(sorted, (size_t)repeats, sizeof(double), cmp);
    printf("{\"peer\": \"fann\", \"device\": \"cpu\", \"section\": \"throughput\", \"net\": \"%s\", \"mode\": \"stochastic\", "
           "\"batch\": 1, \"samples\": %d, \"median\": %.1f, \"min\": %.1f, \"max\": %.1f, \"repeats\": %d, \"unit\": \"samples/s\"}\n",
           argv[1], samples, sorted[repeats / 2], sorted[0], sorted[repeats - 1], repeats);
    fann_destroy(ann);
    free(x);
    free(t);
    return 0;
}
