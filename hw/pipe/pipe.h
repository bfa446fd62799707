/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pipe.h: descriptors of the FIFO device modules. */
#pragma once

#include "engine/core.h"

extern const ModuleDesc module_pipe_sink_desc;
extern const ModuleDesc module_pipe_source_desc;
