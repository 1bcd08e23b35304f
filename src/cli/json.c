/*
 * json.c - a small streaming JSON writer (see json.h).
 */
#include "json.h"

void json_init(json *j, FILE *out)
{
    j->out = out;
    j->depth = 0;
    j->first[0] = 1;
    j->after_key = 0;
}

static void sep(json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (!j->first[j->depth])
        fputc(',', j->out);
    j->first[j->depth] = 0;
}

static void open_(json *j, char c)
{
    sep(j);
    fputc(c, j->out);
    if (j->depth < 31)
        j->depth++;
    j->first[j->depth] = 1;
}

void json_obj(json *j) { open_(j, '{'); }
void json_arr(json *j) { open_(j, '['); }

void json_end_obj(json *j)
{
    fputc('}', j->out);
    j->depth--;
}

void json_end_arr(json *j)
{
    fputc(']', j->out);
    j->depth--;
}

/* the length of the well-formed UTF-8 sequence at p (n bytes left), or 0 */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned cp;
    size_t len;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        len = 2, cp = p[0] & 0x1f;
    else if (p[0] >= 0xe0 && p[0] <= 0xef)
        len = 3, cp = p[0] & 0x0f;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4)
        len = 4, cp = p[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0; /* overlong, a surrogate, or beyond Unicode */
    return len;
}

/* Bytes that are not UTF-8 (a certificate's T61String, a hostile file name)
 * are written as \u00XX - their Latin-1 reading - never copied: the output
 * is always valid JSON. */
void json_strn(json *j, const char *s, size_t n)
{
    sep(j);
    fputc('"', j->out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(j->out, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", j->out);
        else if (c == '\t')
            fputs("\\t", j->out);
        else if (c < 0x20 || c == 0x7f)
            fprintf(j->out, "\\u%04x", c);
        else if (c < 0x80)
            fputc(c, j->out);
        else {
            size_t len = utf8_len((const unsigned char *)s + i, n - i);
            if (!len) {
                fprintf(j->out, "\\u%04x", c);
            } else {
                fwrite(s + i, 1, len, j->out);
                i += len - 1;
            }
        }
    }
    fputc('"', j->out);
}

void json_str(json *j, const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    json_strn(j, s, n);
}

void json_key(json *j, const char *k)
{
    json_str(j, k);
    fputc(':', j->out);
    j->after_key = 1;
}

void json_int(json *j, long long v)
{
    sep(j);
    fprintf(j->out, "%lld", v);
}

void json_bool(json *j, int v)
{
    sep(j);
    fputs(v ? "true" : "false", j->out);
}

void json_null(json *j)
{
    sep(j);
    fputs("null", j->out);
}

void json_str_or_null(json *j, const char *s)
{
    if (s && *s)
        json_str(j, s);
    else
        json_null(j);
}

void json_done(json *j)
{
    fputc('\n', j->out);
    fflush(j->out);
}
