/*
 * test_buf.c - the bounds-checked reader and the sticky-error writer.
 */
#include "testutil.h"

#include "phonetrust/buf.h"
#include "phonetrust/error.h"

#include <string.h>

static void reader_integers_are_big_endian_and_bounded(void **state)
{
    (void)state;
    const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    pt_reader r;
    pt_rd_init(&r, data, sizeof data);
    uint8_t a;
    uint16_t b;
    uint32_t c;
    assert_int_equal(pt_rd_u8(&r, &a), PT_OK);
    assert_int_equal(a, 1);
    assert_int_equal(pt_rd_u16(&r, &b), PT_OK);
    assert_int_equal(b, 0x0203);
    assert_int_equal(pt_rd_u32(&r, &c), PT_OK);
    assert_int_equal(c, 0x04050607);
    assert_true(pt_rd_eof(&r));
    assert_int_equal(pt_rd_u8(&r, &a), PT_ERR_TRUNCATED);
    /* a failed read leaves the cursor where it was */
    pt_rd_init(&r, data, 3);
    pt_rd_u8(&r, &a);
    assert_int_equal(pt_rd_u32(&r, &c), PT_ERR_TRUNCATED);
    assert_int_equal(pt_rd_pos(&r), 1);
    assert_int_equal(pt_rd_u16(&r, &b), PT_OK);
    pt_rd_init(&r, data, 4);
    assert_int_equal(pt_rd_u32le(&r, &c), PT_OK);
    assert_int_equal(c, 0x04030201);
}

static void child_reader_is_confined_and_reports_absolute_offsets(void **state)
{
    (void)state;
    const uint8_t data[] = {0xaa, 0x01, 0x02, 0x03, 0xbb};
    pt_reader r, child;
    pt_rd_init(&r, data, sizeof data);
    pt_rd_skip(&r, 1);
    assert_int_equal(pt_rd_child(&r, 3, &child), PT_OK);
    assert_int_equal(pt_rd_pos(&r), 4);
    assert_int_equal(pt_rd_pos(&child), 1);
    const uint8_t *p;
    assert_int_equal(pt_rd_bytes(&child, 4, &p), PT_ERR_TRUNCATED);
    assert_int_equal(pt_rd_bytes(&child, 3, &p), PT_OK);
    assert_memory_equal(p, data + 1, 3);
    assert_int_equal(pt_rd_child(&r, 2, &child), PT_ERR_TRUNCATED);
    pt_reader w;
    assert_int_equal(pt_rd_window(&r, 0, 6, &w), PT_ERR_ARG);
    assert_int_equal(pt_rd_window(&r, 2, 1, &w), PT_ERR_ARG);
    assert_int_equal(pt_rd_window(&r, 1, 5, &w), PT_OK);
}

static void tlv_read_rejects_values_past_the_end(void **state)
{
    (void)state;
    const uint8_t good[] = {0x09, 0x00, 0x02, 0xca, 0xfe};
    const uint8_t bad[] = {0x09, 0x02, 0xbc, 0xca, 0xfe};
    pt_reader r;
    uint8_t tag;
    uint16_t len;
    const uint8_t *v;
    pt_rd_init(&r, good, sizeof good);
    assert_int_equal(pt_rd_tlv(&r, &tag, &len, &v), PT_OK);
    assert_int_equal(tag, 9);
    assert_int_equal(len, 2);
    assert_int_equal(v[1], 0xfe);
    pt_rd_init(&r, bad, sizeof bad);
    assert_int_equal(pt_rd_tlv(&r, &tag, &len, &v), PT_ERR_TRUNCATED);
    assert_int_equal(pt_rd_pos(&r), 0);
    for (size_t n = 0; n < 3; n++) {
        pt_rd_init(&r, good, n);
        assert_int_equal(pt_rd_tlv_head(&r, &tag, &len), PT_ERR_TRUNCATED);
    }
}

static void writer_builds_tlvs_and_containers(void **state)
{
    (void)state;
    pt_buf b;
    pt_buf_init(&b);
    size_t c = pt_buf_open_container(&b, 3);
    pt_buf_put_tlv_cstr(&b, 4, "CN=x");
    pt_buf_put_tlv_u16(&b, 1, 0x0102);
    pt_buf_close_container(&b, c);
    pt_buf_put_tlv_u32(&b, 15, 1700000000);
    const uint8_t want[] = {0x03, 0x00, 0x0d, 0x04, 0x00, 0x05, 'C', 'N', '=', 'x', 0,
                            0x01, 0x00, 0x02, 0x01, 0x02, 0x0f, 0x00, 0x04, 0x65, 0x53, 0xf1, 0x00};
    assert_int_equal(pt_buf_error(&b), PT_OK);
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    pt_buf_free(&b);
}

static void writer_errors_are_sticky(void **state)
{
    (void)state;
    pt_buf b;
    pt_buf_init(&b);
    static uint8_t big[70000];
    pt_buf_put_tlv(&b, 9, big, sizeof big);
    assert_int_equal(pt_buf_error(&b), PT_ERR_TOO_LARGE);
    pt_buf_put_u8(&b, 1); /* ignored after the first error */
    assert_int_equal(b.len, 0);
    pt_buf_free(&b);
    pt_buf_init(&b);
    pt_buf_patch_u16(&b, 4, 1);
    assert_int_equal(pt_buf_error(&b), PT_ERR_ARG);
    pt_buf_free(&b);
}

static void diag_formats_offset_and_message(void **state)
{
    (void)state;
    pt_diag d;
    char out[600];
    pt_diag_clear(&d);
    assert_int_equal(pt_diag_set(&d, PT_ERR_TRUNCATED, 0x1c4, "record %d: tag 9", 3), PT_ERR_TRUNCATED);
    assert_string_equal(pt_diag_format(&d, PT_ERR_TRUNCATED, out, sizeof out), "offset 0x1c4: record 3: tag 9");
    pt_diag_prefix(&d, PT_ERR_TRUNCATED, "signer record %d", 1);
    assert_string_equal(pt_diag_format(&d, PT_ERR_TRUNCATED, out, sizeof out),
                        "offset 0x1c4: signer record 1: record 3: tag 9");
    pt_diag_clear(&d);
    assert_string_equal(pt_diag_format(&d, PT_ERR_SIGNATURE, out, sizeof out), "signature does not verify");
    for (int e = 0; e > PT_ERR_LAST; e--)
        assert_non_null(pt_strerror(e));
    assert_string_equal(pt_strerror(5), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_integers_are_big_endian_and_bounded),
        cmocka_unit_test(child_reader_is_confined_and_reports_absolute_offsets),
        cmocka_unit_test(tlv_read_rejects_values_past_the_end),
        cmocka_unit_test(writer_builds_tlvs_and_containers),
        cmocka_unit_test(writer_errors_are_sticky),
        cmocka_unit_test(diag_formats_offset_and_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
