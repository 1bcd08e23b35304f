/*
 * token.h - hardware security tokens (eTokens) through PKCS#11 (M10): an
 * RSA key and a certificate issued by a "Cisco Manufacturing CA".  The key
 * never leaves the token: pt_token_signer signs digests inside it
 * (CKM_RSA_PKCS over a DigestInfo), through the same pt_signer every file
 * builder takes.
 */
#ifndef PHONETRUST_TOKEN_H
#define PHONETRUST_TOKEN_H

#include "phonetrust/crypto.h"

typedef struct pt_p11 pt_p11;     /* a loaded PKCS#11 module */
typedef struct pt_token pt_token; /* a logged-in token */

int pt_p11_load(const char *module_path, pt_p11 **out, pt_diag *d);
void pt_p11_unload(pt_p11 *m);

/* Opens the token with this label and logs in with pin.  PT_ERR_NOT_FOUND:
 * no such token; PT_ERR_AUTH: wrong PIN; PT_ERR_KEY: no certificate or no
 * private key on it. */
int pt_token_open(pt_p11 *m, const char *label, const char *pin, pt_token **out, pt_diag *d);
void pt_token_close(pt_token *t);
/* The token's certificate (owned by the token). */
X509 *pt_token_cert(const pt_token *t);
/* A signer that signs inside the token; valid while the token is open. */
int pt_token_signer(pt_token *t, pt_signer *s, pt_diag *d);

/* Is this certificate issued by a Cisco Manufacturing CA (by name; and by
 * signature when ca is given)? */
int pt_token_cert_is_manufacturing(X509 *cert, X509 *ca, pt_diag *d);

#endif
