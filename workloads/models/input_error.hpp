// greenbench/errors.hpp for the model files, with GCC 12's false -Wrestrict positive on its
// inlined string concatenation (GCC PR 105651) silenced, so these files build -Wall clean.
// Not a new error type: this is InputError as is.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#include "greenbench/errors.hpp"
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
