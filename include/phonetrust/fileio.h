/*
 * fileio.h - whole-file reads and atomic writes.
 *
 * Every file libphonetrust writes goes through pt_file_write_atomic: a
 * temporary file in the same directory, fsync, rename, fsync of the
 * directory.  A crash at any instant leaves the old file or the new one.
 */
#ifndef PHONETRUST_FILEIO_H
#define PHONETRUST_FILEIO_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "phonetrust/error.h"

/* Largest file pt_file_read accepts unless told otherwise. */
#define PT_FILE_MAX (64u * 1024u * 1024u)

/* Reads all of path into a malloc'd buffer (NUL-terminated for
 * convenience; the NUL is not counted in *len).  Regular files only: a
 * directory, FIFO, socket or device is refused (PT_ERR_IO, "not a regular
 * file"), never waited on. */
int pt_file_read(const char *path, uint8_t **data, size_t *len, size_t max, pt_diag *d);

/* Writes data to path atomically with the given mode (0600 for keys), then
 * fsyncs it and its directory.
 * PT_WRITE_NO_SYNC: still temp file + rename (a crash of the process never
 * leaves half a file), but no fsync: for the simulated phones' state, where
 * ten thousand phones would otherwise wait on the disk. */
#define PT_WRITE_NO_SYNC 1
/* PT_WRITE_FRESH (with PT_WRITE_NO_SYNC): for a directory nobody reads yet
 * (a generation of served files being built, generation.c): the old entry
 * is unlinked and the file written in its place - no temporary file, no
 * rename (ext4 starts writing a file renamed over another at once: most of
 * a TFTP restart's time went there).  A crash leaves a partial file in a
 * directory that is never put in force and is swept by the next build. */
#define PT_WRITE_FRESH 2
int pt_file_write_atomic_flags(const char *path, const void *data, size_t len, mode_t mode, int flags,
                               pt_diag *d);
/* = pt_file_write_atomic_flags(..., 0, d) */
int pt_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         pt_diag *d);

/* Flushes the whole file system path is on (syncfs): one flush after many
 * PT_WRITE_NO_SYNC-style writes. */
int pt_sync_fs(const char *path, pt_diag *d);
/* fsyncs a directory (a rename or link in it made durable). */
int pt_sync_dir(const char *dir, pt_diag *d);

/* a + "/" + b into out (n bytes); PT_ERR_ARG when it does not fit. */
int pt_path_join(char *out, size_t n, const char *a, const char *b);

/* Opens a log file for appending, creating it 0640 (0600 under a stricter
 * umask), never wider whatever the umask; NULL on failure (errno set). */
FILE *pt_file_open_log(const char *path);

/* Appends "STAMP MESSAGE\n" to a log file (created 0644 if missing); logs
 * are the one thing written in place.  Errors are ignored. */
void pt_file_append_line(const char *path, const char *stamp, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* 1 for the name of pt_file_write_atomic's temporary files (a crash's leftover). */
int pt_is_temp_name(const char *name);

/* Base name of a path (pointer into it). */
const char *pt_basename(const char *path);

#endif
