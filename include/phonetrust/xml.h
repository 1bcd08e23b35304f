/*
 * xml.h - reading and writing configuration XML with libxml2: the one
 * parser phonetrust uses for every configuration it reads or edits (the
 * cluster's own, the administrator's, a foreign cluster's).  No network
 * access, no external entities, no entity substitution, ever.
 */
#ifndef PHONETRUST_XML_H
#define PHONETRUST_XML_H

#include <libxml/tree.h>
#include <stddef.h>
#include <stdint.h>

#include "phonetrust/buf.h"
#include "phonetrust/error.h"

/* Parses data (what names it in errors: a file name).  blanks 0 drops the
 * white space between elements (as the reference enccnf reads).  On error
 * PT_ERR_FORMAT naming what, the line and libxml2's reason. */
int pt_xml_read(const uint8_t *data, size_t len, const char *what, int blanks, xmlDocPtr *out, pt_diag *d);
/* The document's root when it is <device>, else NULL with PT_ERR_FORMAT in d. */
xmlNodePtr pt_xml_device(xmlDocPtr doc, const char *what, pt_diag *d);
/* 1 when n is an element called name. */
int pt_xml_named(xmlNodePtr n, const char *name);
/* Appends doc to out as UTF-8 with its XML declaration, its white space as
 * it is (format 0) or re-indented by two spaces (format 1). */
int pt_xml_write(xmlDocPtr doc, int format, pt_buf *out, pt_diag *d);

#endif
