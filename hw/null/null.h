/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* null.h: descriptors of the null device modules. */
#pragma once

#include "engine/core.h"

extern const ModuleDesc module_null_sink_desc;
extern const ModuleDesc module_null_source_desc;
extern const ModuleDesc module_always_sink_desc;
