// greenbench/errors.hpp for the model files. Not a new error type: this is InputError as is.
#pragma once

#include "greenbench/errors.hpp"
