/*
 * test_table.c - dom0's growing record tables (guests/minios/table.c): a
 * table starts empty and takes a page of records at a time; records never
 * move while it grows (services keep pointers to them); a freed record is
 * handed out again before the table grows; a scan visits only up to the
 * highest record ever handed out, not a page of empty slots (dom0 scans its
 * tables at every wake-up, so that bound is the price of every block
 * request); the chunk directory doubles past one page; running out of
 * memory gives NULL, not a broken table; taking a record after a thousand
 * used ones looks at no more than a few slots; and the index by domain id
 * finds a record, forgets it, and takes a page only for a range in use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <os.h>
#include <table.h>

static int pages_left; /* alloc_pages fails when it would go below 0 */
static void *allocated[4096];
static int nr_allocated;

void *alloc_pages(uint32_t n)
{
    if ((int)n > pages_left)
        return NULL;
    pages_left -= (int)n;
    void *p = aligned_alloc(PAGE_SIZE, n * PAGE_SIZE);
    assert_non_null(p);
    memset(p, 0, n * PAGE_SIZE);
    allocated[nr_allocated++] = p;
    return p;
}

/* The table frees only whole old directories, which were single allocations. */
void free_page(void *va)
{
    for (int i = 0; i < nr_allocated; i++)
        if (allocated[i] == va) {
            free(va);
            allocated[i] = NULL;
            return;
        }
    fail_msg("free_page of a page that is not an allocation's first");
}

struct rec {
    int in_use;
    int id;
    char pad[56];
};

static int setup(void **state)
{
    (void)state;
    pages_left = 1 << 20;
    nr_allocated = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < nr_allocated; i++)
        free(allocated[i]);
    return 0;
}

static struct rec *add(struct table *t, int id)
{
    struct rec *r = table_new(t);
    assert_non_null(r);
    assert_int_equal(r->in_use, 0);
    r->in_use = 1;
    r->id = id;
    return r;
}

static void test_an_empty_table_has_nothing_to_scan(void **state)
{
    (void)state;
    struct table t = TABLE_OF(struct rec);
    assert_int_equal(table_slots(&t), 0);
    assert_null(table_at(&t, 0));
    assert_int_equal(nr_allocated, 0);
}

static void test_a_scan_stops_at_the_highest_record_not_the_page(void **state)
{
    (void)state;
    struct table t = TABLE_OF(struct rec);
    add(&t, 1);
    assert_int_equal(table_slots(&t), 1); /* a page holds 64 records; one is used */
    add(&t, 2);
    assert_int_equal(table_slots(&t), 2);
    struct rec *first = table_at(&t, 0);
    table_free(&t, first);
    assert_int_equal(table_slots(&t), 2); /* slot 1 is still used */
}

static void test_a_freed_record_is_reused_before_the_table_grows(void **state)
{
    (void)state;
    struct table t = TABLE_OF(struct rec);
    struct rec *a = add(&t, 1);
    add(&t, 2);
    table_free(&t, a);
    assert_int_equal(a->in_use, 0);
    a->id = 0; /* a user clears what it wants cleared */
    assert_ptr_equal(add(&t, 3), a);
    assert_int_equal(table_slots(&t), 2);
    assert_int_equal(nr_allocated, 2); /* the directory and one chunk */
}

static void test_records_never_move_while_the_table_grows(void **state)
{
    (void)state;
    struct table t = TABLE_OF(struct rec);
    enum { N = 3000 }; /* 47 chunks */
    static struct rec *where[N];
    for (int i = 0; i < N; i++)
        where[i] = add(&t, i);
    assert_int_equal(table_slots(&t), N);
    for (int i = 0; i < N; i++) {
        assert_ptr_equal(table_at(&t, (uint32_t)i), where[i]);
        assert_int_equal(where[i]->id, i);
    }
}

static void test_the_directory_doubles_past_one_page(void **state)
{
    (void)state;
    struct table t = {.record_size = PAGE_SIZE}; /* one record per chunk */
    int n = (int)(PAGE_SIZE / sizeof(void *)) + 5;
    int *first = table_new(&t);
    *first = 1;
    for (int i = 1; i < n; i++)
        *(int *)table_new(&t) = 1;
    assert_int_equal(table_slots(&t), n);
    assert_ptr_equal(table_at(&t, 0), first);
    assert_int_equal(*(int *)table_at(&t, (uint32_t)n - 1), 1);
}

static void test_out_of_memory_gives_null_and_keeps_the_table(void **state)
{
    (void)state;
    struct table t = TABLE_OF(struct rec);
    pages_left = 2; /* the directory and the first chunk */
    add(&t, 0);
    int per_page = (int)t.per_chunk; /* a page's worth, less the chunk's number */
    assert_true(per_page > 1);
    for (int i = 1; i < per_page; i++)
        add(&t, i);
    assert_null(table_new(&t));
    assert_int_equal(table_slots(&t), per_page);
    struct rec *last = table_at(&t, (uint32_t)per_page - 1);
    assert_int_equal(last->id, per_page - 1);
    table_free(&t, last);
    assert_ptr_equal(table_new(&t), last); /* room again without memory */
}

/* A record left free by a caller that failed after table_new() is handed out again. */
static void test_a_record_not_taken_is_handed_out_again(void **state)
{
    (void)state;
    struct table t = TABLE_OF(struct rec);
    add(&t, 1);
    struct rec *left = table_new(&t); /* in_use never set */
    assert_ptr_equal(add(&t, 2), left);
}

/* Taking the 1,001st record starts at the hint, not at slot 0 (every create did that scan). */
static void test_taking_a_record_skips_the_used_ones(void **state)
{
    (void)state;
    struct table t = TABLE_OF(struct rec);
    for (int i = 0; i < 1000; i++)
        add(&t, i);
    assert_int_equal(t.free_hint, 999);
    struct rec *mid = table_at(&t, 500);
    table_free(&t, mid);
    assert_int_equal(t.free_hint, 500);
    assert_ptr_equal(add(&t, 1000), mid);
    assert_ptr_equal(add(&t, 1001), table_at(&t, 1000));
}

/* A record of a chunk of its own (xenstored's clients: three pages each) freed in the
 * thousandth chunk: its slot comes from the chunk's number, not from a search of the directory,
 * and the next record taken is that one. */
static void test_a_record_freed_far_in_a_table_of_large_records_is_taken_next(void **state)
{
    (void)state;
    struct table t = {.record_size = 2 * PAGE_SIZE + 64};
    for (int i = 0; i < 1000; i++)
        *(int *)table_new(&t) = 1;
    assert_int_equal(t.per_chunk, 1);
    int *late = table_at(&t, 997);
    table_free(&t, late);
    assert_int_equal(t.free_hint, 997);
    assert_ptr_equal(table_new(&t), late);
}

static void test_the_index_finds_a_record_by_id(void **state)
{
    (void)state;
    struct table t = TABLE_OF(struct rec);
    struct rec *a = add(&t, 7), *b = add(&t, 2000);
    int before = nr_allocated;
    assert_int_equal(table_set_id(&t, 7, a), 0);
    assert_int_equal(table_set_id(&t, 2000, b), 0);
    assert_int_equal(nr_allocated, before + 2); /* a page for 7 and one for 2000 */
    assert_ptr_equal(table_by_id(&t, 7), a);
    assert_ptr_equal(table_by_id(&t, 2000), b);
    assert_null(table_by_id(&t, 8));
    assert_null(table_by_id(&t, 5000)); /* its page was never taken */
    assert_int_equal(table_set_id(&t, 7, NULL), 0);
    assert_null(table_by_id(&t, 7));
    assert_int_equal(table_set_id(&t, 9000, NULL), 0); /* clearing takes no page */
    assert_int_equal(nr_allocated, before + 2);
    assert_int_equal(table_set_id(&t, TABLE_ID_LIMIT, a), -1);
    assert_null(table_by_id(&t, TABLE_ID_LIMIT));
    pages_left = 0;
    assert_int_equal(table_set_id(&t, 3000, a), -1); /* out of memory */
    assert_null(table_by_id(&t, 3000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_an_empty_table_has_nothing_to_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_scan_stops_at_the_highest_record_not_the_page, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_freed_record_is_reused_before_the_table_grows, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_records_never_move_while_the_table_grows, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_directory_doubles_past_one_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_memory_gives_null_and_keeps_the_table, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_record_not_taken_is_handed_out_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_a_record_freed_far_in_a_table_of_large_records_is_taken_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_taking_a_record_skips_the_used_ones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_index_finds_a_record_by_id, setup, teardown),
    };
    return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
