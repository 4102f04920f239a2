// Shim for GMP: the `mpz_*` names and several helpers are C macros that
// Swift cannot import. The real entry points (`__gmpz_*`) are imported
// directly; the macro-only helpers are wrapped here as static inline
// functions with a `pisim_` prefix.
#ifndef PISIM_CGMP_SHIM_H
#define PISIM_CGMP_SHIM_H

#include <gmp.h>

/// Sign of `z`: -1, 0 or +1 (`mpz_sgn`).
static inline int pisim_mpz_sgn(mpz_srcptr z) { return mpz_sgn(z); }

/// Compare `z` with an unsigned long (`mpz_cmp_ui`).
static inline int pisim_mpz_cmp_ui(mpz_srcptr z, unsigned long v) { return mpz_cmp_ui(z, v); }

/// Compare `z` with a signed long (`mpz_cmp_si`).
static inline int pisim_mpz_cmp_si(mpz_srcptr z, long v) { return mpz_cmp_si(z, v); }

/// Non-zero when `z` is odd (`mpz_odd_p`).
static inline int pisim_mpz_odd_p(mpz_srcptr z) { return mpz_odd_p(z); }

/// Non-zero when `z` is even (`mpz_even_p`).
static inline int pisim_mpz_even_p(mpz_srcptr z) { return mpz_even_p(z); }

/// Number of limbs in |z| (`mpz_size`).
static inline size_t pisim_mpz_size(mpz_srcptr z) { return mpz_size(z); }

/// Limb `n` of |z|, least significant first (`mpz_getlimbn`).
static inline mp_limb_t pisim_mpz_getlimbn(mpz_srcptr z, mp_size_t n) { return mpz_getlimbn(z, n); }

/// Low 64 bits of |z| (`mpz_get_ui`).
static inline unsigned long pisim_mpz_get_ui(mpz_srcptr z) { return mpz_get_ui(z); }

/// Non-zero when z fits a signed long (`mpz_fits_slong_p`).
static inline int pisim_mpz_fits_slong_p(mpz_srcptr z) { return mpz_fits_slong_p(z); }

/// Non-zero when z fits an unsigned long (`mpz_fits_ulong_p`).
static inline int pisim_mpz_fits_ulong_p(mpz_srcptr z) { return mpz_fits_ulong_p(z); }

/// z = -x (`mpz_neg`).
static inline void pisim_mpz_neg(mpz_ptr z, mpz_srcptr x) { mpz_neg(z, x); }

/// z = |x| (`mpz_abs`).
static inline void pisim_mpz_abs(mpz_ptr z, mpz_srcptr x) { mpz_abs(z, x); }

#endif
