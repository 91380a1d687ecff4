/*
 * pending.h - a list of the records whose event channel fired since their
 * service last looked: dom0's consoles (tools/console/consoled.c) and
 * xenstore clients (tools/xenstore/xenstored.c).  A record's event handler
 * lists it (pending_add(), in the upcall, with events masked); the service's
 * poll takes the whole list at once (pending_take()) and serves only those,
 * so a wake-up of dom0 costs the domains that asked, not every domain.
 *
 * A record carries a struct pending_link; pending_record() gets the record
 * back from its link.  A record that is about to be reused or forgotten
 * leaves the list first (pending_remove()).
 */
#ifndef MINIOS_PENDING_H
#define MINIOS_PENDING_H

#include <os.h>

struct pending_link {
    int listed; /* on the list: a second event does not list it again */
    struct pending_link *next;
};

struct pending_list {
    struct pending_link *head;
};

/* The record of type `type` whose member `member` is the link `l`. */
#define pending_record(l, type, member) ((type *)((char *)(l) - __builtin_offsetof(type, member)))

/* With events masked (the upcall, or a caller that masked them): list x unless it is listed. */
static inline void pending_add(struct pending_list *list, struct pending_link *x)
{
    if (x->listed)
        return; /* already listed; the event itself wakes the service */
    x->listed = 1;
    x->next = list->head;
    list->head = x;
}

/* x leaves the list (its record is about to be reused or forgotten). */
static inline void pending_remove(struct pending_list *list, struct pending_link *x)
{
    int old = local_events_disable();
    for (struct pending_link **p = &list->head; *p; p = &(*p)->next)
        if (*p == x) {
            *p = x->next;
            break;
        }
    x->listed = 0;
    local_events_restore(old);
}

/* The whole list, taken at once; walk it with pending_next(). */
static inline struct pending_link *pending_take(struct pending_list *list)
{
    int old = local_events_disable();
    struct pending_link *first = list->head;
    list->head = NULL;
    local_events_restore(old);
    return first;
}

/* The link after x, read before x may be listed again by an event. */
static inline struct pending_link *pending_next(struct pending_link *x)
{
    struct pending_link *next = x->next;
    barrier(); /* next is read before an event may list x again */
    x->listed = 0;
    return next;
}

#endif
