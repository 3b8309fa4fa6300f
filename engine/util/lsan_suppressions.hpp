#pragma once
// Include from exactly one source file of each executable (its main). LeakSanitizer reads this hook
// from the executable: fontconfig, which cairo loads to lay out chart labels, keeps a few one-time
// allocations it never frees. They are not costbot's, and without this every sanitizer run that
// draws a chart would fail. Without a sanitizer the function is never called.
extern "C" const char* __lsan_default_suppressions();
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
