// Open MPI's C interface (Debian: libopenmpi-dev, found through pkg-config "ompi-c"), used only
// with the package trait MPI. MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE and the others
// are macros over Open MPI's global structs, which Swift cannot import: these functions return them.
#ifndef BACKPROP_CMPI_SHIM_H
#define BACKPROP_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm backprop_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype backprop_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype backprop_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op backprop_mpi_sum(void) { return MPI_SUM; }
static inline void *backprop_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Info backprop_mpi_info_null(void) { return MPI_INFO_NULL; }
static inline int backprop_mpi_comm_type_shared(void) { return MPI_COMM_TYPE_SHARED; }
static inline int backprop_mpi_success(void) { return MPI_SUCCESS; }
#endif
