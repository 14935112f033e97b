// OpenBLAS's CBLAS interface (Debian: libopenblas-dev, found through pkg-config "openblas").
#ifndef BACKPROP_CBLAS_SHIM_H
#define BACKPROP_CBLAS_SHIM_H
#include <cblas.h>

// LAPACK's Cholesky factorisation, from the same library: OpenBLAS builds LAPACK into
// libopenblas (dpotrf_ is OpenBLAS's own C implementation, no Fortran string lengths), but
// libopenblas-dev installs no LAPACK header (Debian's liblapacke-dev would bring lapacke.h),
// so the one routine Levenberg–Marquardt needs is declared here. blasint is int: Debian's
// OpenBLAS is the LP64 build.
void dpotrf_(const char *uplo, const blasint *n, double *a, const blasint *lda, blasint *info);
#endif
