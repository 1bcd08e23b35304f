/*
 * boot.h - a simulated phone's boot as a state machine on a libevent loop,
 * so one thread boots one phone (`phone boot`) or thousands (`fleet boot`)
 * with the same code.  Each step that waits on the network (a TFTP
 * transfer, a TLS connection to TVS or CAPF, the DeviceTLInfo POST) hands
 * the loop back; nothing blocks but the CAPF key generation.
 */
#ifndef PHONETRUST_PHONE_BOOT_H
#define PHONETRUST_PHONE_BOOT_H

#include "phone.h"

struct event_base;
typedef struct ph_loop ph_loop;
typedef struct ph_boot ph_boot;

/* The loop and what every phone on it shares (the TLS client context). */
ph_loop *ph_loop_new(pt_diag *d);
struct event_base *ph_loop_base(ph_loop *l);
void ph_loop_free(ph_loop *l);

/* Called once, from the loop, when the boot ended (well or not). */
typedef void (*ph_boot_done)(ph_boot *b, void *arg);

/* Starts a boot; o (and its strings) must outlive it.  NULL only when out
 * of memory. */
ph_boot *ph_boot_start(ph_loop *l, const pt_phone_boot_opts *o, ph_boot_done done, void *arg);
/* After done: the outcome, PT_OK or the error that stopped the boot (d). */
int ph_boot_outcome(const ph_boot *b, pt_phone_result *res, pt_diag *d);
void ph_boot_free(ph_boot *b);
/* Bytes a boot in flight holds (its structure, lists and buffers). */
size_t ph_boot_size(const ph_boot *b);

#endif
