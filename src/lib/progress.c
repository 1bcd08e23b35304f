/*
 * progress.c - the process's progress hook (progress.h).
 */
#include "phonetrust/progress.h"

static pt_progress_fn hook;
static void *hook_arg;

void pt_set_progress(pt_progress_fn fn, void *arg)
{
    hook = fn;
    hook_arg = arg;
}

void pt_progress(const char *what, size_t done, size_t total)
{
    if (hook)
        hook(what, done, total, hook_arg);
}
