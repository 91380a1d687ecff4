/*
 * sh - the shell at dom0's and domU's prompts, a ring-3 program.
 *
 * It reads a line from the console (the kernel's line discipline echoes and
 * edits it), splits it into words, replaces a word `$?` with the last
 * status, and runs /bin/WORD with the words as
 * arguments: in the foreground (the console's Ctrl-C goes to it, and a
 * non-zero status is reported), or in the background with a trailing `&`.
 * `> FILE` and `>> FILE` send the program's output to a file (emptied, or
 * appended to): the shell opens it and puts it at descriptor 1, which the
 * child inherits, then puts the console back.  Programs are looked up in
 * /bin, then in /boot/bin (the boot archive, when an ext2 root has no
 * programs); a word with a '/' is a path, relative ones from the working
 * directory.  Builtins: `cd [DIR]` (the shell's own working directory, which
 * every program it starts inherits; `/` without DIR), `wait` (for every
 * background program), `exit`, and `help` (the builtins, then every
 * program there is to run).  A word naming no program is an unknown command.
 *
 * `sh -t LINE;LINE;...` (one argument) types the lines first, each shown
 * after the prompt as if typed, then reads the console: dom0's kernel starts
 * its shell so when the command line asks for a benchmark script.
 * `sh -c LINE;LINE;...` runs the lines quietly and exits with the last
 * status; the words after -c are the script, joined by blanks (there are no
 * quotes: `sh -c sleep 2;ps &` looks at the processes later).
 */
#include <ulib.h>

#define MAX_WORDS 16
#define SAVED_FD  15 /* where the console waits while a redirection holds descriptor 1 */

static int last_status;
static int owns_console = 1; /* sh -c does not: Ctrl-C stays with the console's shell */

/* Split line in place at blanks; the word count (at most MAX_WORDS). */
static int split(char *line, char **words)
{
    int n = 0;
    for (char *s = line; *s && n < MAX_WORDS;) {
        while (*s == ' ' || *s == '\t')
            *s++ = 0;
        if (!*s)
            break;
        words[n++] = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
    }
    words[n] = NULL;
    return n;
}

/* One line for a background program's end or a foreground one's non-zero status. */
static void report(const char *name, int pid, int status, int background)
{
    if (background)
        printf("[%d] %s done, status %d\n", pid, name, status);
    else if (status > 128)
        printf("sh: %s: killed (status %d)\n", name, status);
    else if (status)
        printf("sh: %s: exit status %d\n", name, status);
}

/* Collect background programs that have finished, without waiting. */
static void reap_background(int wait_all)
{
    int status, pid;
    while ((pid = waitpid(-1, &status, wait_all ? 0 : WNOHANG)) > 0)
        report("job", pid, status, 1);
}

/* Start WORDS[0] from /bin, then /boot/bin (a name with a '/' as it is): the pid or -E_*. */
static int start(char **words)
{
    char path[PATH_MAX_LEN];
    if (strchr(words[0], '/'))
        return spawn(words[0], words);
    snprintf(path, sizeof(path), "/bin/%s", words[0]);
    int pid = spawn(path, words);
    if (pid == -E_NOENT) {
        snprintf(path, sizeof(path), "/boot/bin/%s", words[0]);
        pid = spawn(path, words);
    }
    return pid;
}

/* Run /bin/WORDS[0] (or /boot/bin's) in the foreground or the background. */
static void run(char **words, int background)
{
    int pid = start(words);
    if (pid == -E_NOENT && !strchr(words[0], '/')) {
        printf("%s: unknown command (try 'help')\n", words[0]);
        last_status = 127;
        return;
    }
    if (pid < 0) {
        printf("sh: %s: %s\n", words[0], strerror(-pid));
        last_status = 127;
        return;
    }
    if (background) {
        printf("[%d]\n", pid);
        return;
    }
    int status = 0;
    if (owns_console)
        setfg(pid);
    waitpid(pid, &status, 0);
    if (owns_console)
        setfg(0);
    last_status = status;
    report(words[0], pid, status, 0);
}

/*
 * Take `> FILE`, `>> FILE` (or `>FILE`) out of words and point descriptor 1
 * at FILE, keeping the console at SAVED_FD.  The new word count, or -1 (and a
 * message) if FILE cannot be opened.
 */
static int redirect(char **words, int n)
{
    for (int i = 0; i < n; i++) {
        if (words[i][0] != '>')
            continue;
        int append = words[i][1] == '>';
        char *file = words[i] + 1 + append;
        int used = 1;
        if (!*file && i + 1 < n)
            file = words[i + 1], used = 2;
        if (!*file)
            return printf("sh: a file name must follow %s\n", append ? ">>" : ">"), -1;
        int fd = open(file, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC));
        if (fd < 0)
            return printf("sh: %s: %s\n", file, strerror(-fd)), -1;
        dup2(1, SAVED_FD);
        dup2(fd, 1);
        close(fd);
        for (int k = i; k + used <= n; k++)
            words[k] = words[k + used];
        return n - used;
    }
    return n;
}

/* Put the console back at descriptor 1 after a redirection. */
static void restore_output(void)
{
    struct pvlab_stat st;
    if (fstat(SAVED_FD, &st) == 0) {
        dup2(SAVED_FD, 1);
        close(SAVED_FD);
    }
}

/* The programs in dir, one a line, but those /bin has already shown (skip_bin). */
static void list_programs(const char *dir, int skip_bin)
{
    char buf[512], path[PATH_MAX_LEN];
    struct pvlab_stat st;
    int fd = open(dir, O_RDONLY), n;
    while (fd >= 0 && (n = getdents(fd, buf, sizeof(buf))) > 0)
        for (int off = 0; off < n; off += ((const struct pvlab_dirent *)(buf + off))->d_reclen) {
            const struct pvlab_dirent *d = (const struct pvlab_dirent *)(buf + off);
            snprintf(path, sizeof(path), "/bin/%s", d->d_name);
            if (d->d_type != DT_DIR && (!skip_bin || stat(path, &st)))
                printf("  %s\n", d->d_name);
        }
    if (fd >= 0)
        close(fd);
}

/* The builtin help: what this shell does itself, then what it can run. */
static void help(void)
{
    printf("builtins: cd [DIR], wait, exit [STATUS], help; PROGRAM [ARGS] [> FILE] [&]\n"
           "programs:\n");
    list_programs("/bin", 0);
    list_programs("/boot/bin", 1);
}

/* The builtin cd: a program could not change its parent's directory. */
static void change_dir(const char *dir)
{
    int rc = chdir(dir);
    if (rc < 0)
        printf("cd: %s: %s\n", dir, strerror(-rc));
    last_status = rc < 0;
}

/* One typed line: `&`, `$?`, the builtins, or a program. */
static void execute(char *line)
{
    char status[12], *words[MAX_WORDS + 1];
    int n = split(line, words), background = 0;
    if (n > 0 && !strcmp(words[n - 1], "&")) {
        background = 1;
        words[--n] = NULL;
    } else if (n > 0 && words[n - 1][strlen(words[n - 1]) - 1] == '&') {
        background = 1;
        words[n - 1][strlen(words[n - 1]) - 1] = 0;
    }
    if (n == 0 || (n = redirect(words, n)) <= 0) {
        restore_output();
        return;
    }
    snprintf(status, sizeof(status), "%d", last_status);
    for (int i = 0; i < n; i++)
        if (!strcmp(words[i], "$?"))
            words[i] = status;
    if (!strcmp(words[0], "cd"))
        change_dir(n > 1 ? words[1] : "/");
    else if (!strcmp(words[0], "wait"))
        reap_background(1);
    else if (!strcmp(words[0], "exit"))
        exit(n > 1 ? (int)strtoul(words[1], NULL, 10) : last_status);
    else if (!strcmp(words[0], "help"))
        help();
    else
        run(words, background);
    restore_output();
}

/* sh -c's words, joined by blanks into buf. */
static const char *join(int n, char **words, char *buf, size_t cap)
{
    buf[0] = 0;
    for (int i = 0; i < n; i++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? " " : "", words[i]);
    return buf;
}

/* sh -t, sh -c: each ';'-separated line of script, shown after the prompt if one is given. */
static void type_script(const char *prompt, const char *script)
{
    char line[128];
    while (*script) {
        const char *end = strchr(script, ';');
        size_t n = end ? (size_t)(end - script) : strlen(script);
        size_t k = MIN(n, sizeof(line) - 1);
        memcpy(line, script, k);
        line[k] = 0;
        if (prompt)
            printf("%s%s\n", prompt, line);
        execute(line);
        script += n + (script[n] == ';');
    }
}

int main(int argc, char **argv)
{
    struct pvlab_uname u;
    char prompt[24], line[128];
    if (uname(&u))
        strlcpy(u.nodename, "minios", sizeof(u.nodename));
    snprintf(prompt, sizeof(prompt), "%s# ", u.nodename);
    if (argc >= 3 && !strcmp(argv[1], "-c")) {
        owns_console = 0;
        type_script(NULL, join(argc - 2, argv + 2, line, sizeof(line)));
        return last_status;
    }
    if (argc == 3 && !strcmp(argv[1], "-t"))
        type_script(prompt, argv[2]);
    for (;;) {
        reap_background(0);
        write(1, prompt, strlen(prompt));
        int n = read(0, line, sizeof(line) - 1);
        if (n <= 0)
            continue;
        line[n] = 0;
        if (line[n - 1] == '\n')
            line[n - 1] = 0;
        execute(line);
    }
}
