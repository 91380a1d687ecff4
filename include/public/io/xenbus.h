/*
 * io/xenbus.h - the states a split device's two ends go through, each
 * published as "state" in its xenstore directory (Xen's numbers).
 *
 *   frontend: Initialising -> Initialised (ring-ref, event-channel written)
 *             -> Connected (once the backend is)         -> Closing -> Closed
 *   backend:  Initialising -> InitWait (device described) -> Connected (ring
 *             mapped, channel bound)                      -> Closing -> Closed
 */
#ifndef PUBLIC_IO_XENBUS_H
#define PUBLIC_IO_XENBUS_H

enum xenbus_state {
    XenbusStateUnknown = 0,
    XenbusStateInitialising = 1,
    XenbusStateInitWait = 2,
    XenbusStateInitialised = 3,
    XenbusStateConnected = 4,
    XenbusStateClosing = 5,
    XenbusStateClosed = 6,
};

static inline const char *xenbus_state_name(int s)
{
    static const char *const names[] = {"Unknown",   "Initialising", "InitWait", "Initialised",
                                        "Connected", "Closing",      "Closed"};
    return s >= 0 && s <= 6 ? names[s] : "?";
}

#endif
