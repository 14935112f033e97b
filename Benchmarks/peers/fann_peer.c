// fann_peer: FANN itself (Debian's libfann-dev, float build) on one FANN data set, for the
// classic benchmark table beside Backprop (Benchmarks/fann/run.py).
//
//   cc -O2 -o fann_peer fann_peer.c -lfloatfann -lm
//   ./fann_peer TRAIN TEST HIDDEN ALGORITHM EPOCHS [SEED]
//
// HIDDEN: hidden layer sizes joined by '+' ("16", "16+8"). ALGORITHM: incremental | batch |
// rprop | quickprop, FANN's FANN_TRAIN_* with its defaults (learning rate 0.7; incremental with
// momentum 0.4, as FANN's published benchmark), sigmoid hidden and output units, as in FANN's
// benchmark. Every epoch is one fann_train_epoch (timed alone), then fann_test_data on TEST
// (not timed). Prints one JSON object: the lowest test MSE (FANN's MSE: the mean over samples
// and outputs of (t - o)^2) and the epoch and training seconds at which it was reached, the
// final test MSE, and the training seconds per epoch.
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

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s TRAIN TEST HIDDEN ALGORITHM EPOCHS [SEED]\n", argv[0]);
        return 64;
    }
    const char *algorithm = argv[4];
    const int epochs = atoi(argv[5]);
    srand(argc > 6 ? (unsigned)atoi(argv[6]) : 1u);
    struct fann_train_data *train = fann_read_train_from_file(argv[1]);
    struct fann_train_data *test = fann_read_train_from_file(argv[2]);
    if (!train || !test || epochs < 1) {
        fprintf(stderr, "fann_peer: cannot read %s or %s, or EPOCHS < 1\n", argv[1], argv[2]);
        return 65;
    }
    unsigned int layers[16];
    unsigned int count = 0;
    layers[count++] = fann_num_input_train_data(train);
    char hidden[256];
    strncpy(hidden, argv[3], sizeof hidden - 1);
    hidden[sizeof hidden - 1] = 0;
    for (char *part = strtok(hidden, "+"); part && count < 15; part = strtok(NULL, "+")) layers[count++] = (unsigned)atoi(part);
    layers[count++] = fann_num_output_train_data(train);
    struct fann *ann = fann_create_standard_array(count, layers);
    fann_set_activation_function_hidden(ann, FANN_SIGMOID);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    if (strcmp(algorithm, "incremental") == 0) {
        fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
        fann_set_learning_momentum(ann, 0.4f);
    } else if (strcmp(algorithm, "batch") == 0) {
        fann_set_training_algorithm(ann, FANN_TRAIN_BATCH);
    } else if (strcmp(algorithm, "rprop") == 0) {
        fann_set_training_algorithm(ann, FANN_TRAIN_RPROP);
    } else if (strcmp(algorithm, "quickprop") == 0) {
        fann_set_training_algorithm(ann, FANN_TRAIN_QUICKPROP);
    } else {
        fprintf(stderr, "fann_peer: unknown algorithm %s\n", algorithm);
        return 64;
    }
    double seconds = 0, best = 1e300, bestSeconds = 0, last = 0;
    int bestEpoch = 0;
    for (int e = 1; e <= epochs; e++) {
        const double start = now();
        fann_train_epoch(ann, train);
        seconds += now() - start;
        last = fann_test_data(ann, test);
        if (last < best) {
            best = last;
            bestEpoch = e;
            bestSeconds = seconds;
        }
    }
    printf("{\"peer\": \"fann\", \"version\": \"libfann %s\", \"algorithm\": \"%s\", \"epochs\": %d, \"parameters\": %u, "
           "\"best_test_mse\": %.6g, \"best_epoch\": %d, \"seconds_to_best\": %.6g, \"final_test_mse\": %.6g, "
           "\"seconds_per_epoch\": %.6g}\n",
           "2.2", algorithm, epochs, fann_get_total_connections(ann), best, bestEpoch, bestSeconds, last, seconds / epochs);
    fann_destroy(ann);
    fann_destroy_train(train);
    fann_destroy_train(test);
    return 0;
}
