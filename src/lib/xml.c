/*
 * xml.c - the libxml2 reader and writer every configuration goes through
 * (see xml.h).
 */
#include "phonetrust/xml.h"

#include <libxml/parser.h>
#include <limits.h>
#include <string.h>

int pt_xml_read(const uint8_t *data, size_t len, const char *what, int blanks, xmlDocPtr *out, pt_diag *d)
{
    *out = NULL;
    if (len > INT_MAX)
        return pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: too large for an XML document", what);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "out of memory");
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | (blanks ? 0 : XML_PARSE_NOBLANKS);
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, (const char *)data, (int)len, what, NULL, opts);
    int rc = PT_OK;
    if (!doc || !ctxt->wellFormed) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        char msg[160] = "not well-formed";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            size_t n = strlen(msg);
            while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                msg[--n] = '\0';
        }
        rc = pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: line %d: not well-formed XML: %s", what,
                         e ? e->line : 0, msg);
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    *out = doc;
    return rc;
}

int pt_xml_named(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, (const xmlChar *)name);
}

xmlNodePtr pt_xml_device(xmlDocPtr doc, const char *what, pt_diag *d)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!pt_xml_named(root, "device")) {
        pt_diag_set(d, PT_ERR_FORMAT, PT_NO_OFFSET, "%s: the root element is <%s>; a configuration has a <device> root element", what,
                    root ? (const char *)root->name : "(none)");
        return NULL;
    }
    return root;
}

int pt_xml_write(xmlDocPtr doc, int format, pt_buf *out, pt_diag *d)
{
    xmlBufferPtr b = xmlBufferCreate();
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!b || !root) {
        xmlBufferFree(b);
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "cannot write the XML document");
    }
    static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    pt_buf_put(out, decl, sizeof decl - 1);
    /* what precedes the root (comments, processing instructions) is kept */
    for (xmlNodePtr n = doc->children; n && n != root; n = n->next) {
        xmlNodeDump(b, doc, n, 0, format);
        xmlBufferCCat(b, "\n");
    }
    if (xmlNodeDump(b, doc, root, 0, format) < 0) {
        xmlBufferFree(b);
        return pt_diag_set(d, PT_ERR_NOMEM, PT_NO_OFFSET, "cannot write the XML document");
    }
    xmlBufferCCat(b, "\n");
    pt_buf_put(out, xmlBufferContent(b), (size_t)xmlBufferLength(b));
    xmlBufferFree(b);
    return pt_buf_error(out);
}
