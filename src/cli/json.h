/*
 * json.h - a small streaming JSON writer for --json output.
 */
#ifndef PHONETRUST_JSON_H
#define PHONETRUST_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json {
    FILE *out;
    int depth;
    int first[32];   /* no member written yet at this depth */
    int after_key;
} json;

void json_init(json *j, FILE *out);
void json_obj(json *j);
void json_end_obj(json *j);
void json_arr(json *j);
void json_end_arr(json *j);
void json_key(json *j, const char *k);
void json_str(json *j, const char *s);
void json_strn(json *j, const char *s, size_t n);
void json_int(json *j, long long v);
void json_bool(json *j, int v);
void json_null(json *j);
/* s, or null when there is none (NULL or "") */
void json_str_or_null(json *j, const char *s);
/* Finishes the document with a newline. */
void json_done(json *j);

#endif
