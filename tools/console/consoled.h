/*
 * consoled.h - dom0's console service for domUs (consoled.c), in dom0's kernel.
 */
#ifndef CONSOLED_H
#define CONSOLED_H

#include <stdint.h>
#include <public/xen.h>

int consoled_add(domid_t dom, uint32_t remote_port); /* map grant 0, bind the port */
void consoled_remove(domid_t dom);
void consoled_poll(void); /* drain every console ring into its log */
/* In a process: attach the console to dom's until Ctrl-] (0), or the domain goes away or
 * ended(dom) says it has stopped (1, after a last look at its ring); -E_NOENT if it has no
 * console here. */
int consoled_attach(domid_t dom, int (*ended)(domid_t dom));
int consoled_has(domid_t dom);                   /* does dom have a console here? */
uint64_t consoled_first_output_tsc(domid_t dom); /* 0 until the domain has printed something */
void consoled_follow(domid_t dom, int on);       /* show its new output as it comes, or stop */

#endif
