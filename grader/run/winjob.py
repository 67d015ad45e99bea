"""Windows Job Objects through ctypes: every process a worker starts ends with it, and its memory
is capped. Used only by ``portable`` on Windows; importable (and inert) everywhere else.

A worker is started suspended (``CREATE_SUSPENDED``), put in its job, and only then resumed: a
virtual environment's ``python.exe`` is a launcher that starts the real interpreter as its child
at once, and that child must be born inside the job. Breakaway is not allowed, so every
descendant stays in the job. ``KILL_ON_JOB_CLOSE``: if the grader dies, Windows closes its
handle to the job and ends every process in it.
"""

from __future__ import annotations

import ctypes
from typing import Any

JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS = 9
JOB_OBJECT_LIMIT_JOB_MEMORY = 0x0200
JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x0400  # no error dialog waiting for a click
JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
PROCESS_SET_QUOTA, PROCESS_TERMINATE = 0x0100, 0x0001
CREATE_SUSPENDED = 0x00000004
TH32CS_SNAPTHREAD, THREAD_SUSPEND_RESUME = 0x00000004, 0x0002
DWORD = ctypes.c_uint32  # fixed widths, so the layout is Windows' on any host (tested on Linux)
HANDLE = ctypes.c_void_p


class IO_COUNTERS(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_uint64)
        for name in (
            "ReadOperationCount",
            "WriteOperationCount",
            "OtherOperationCount",
            "ReadTransferCount",
            "WriteTransferCount",
            "OtherTransferCount",
        )
    ]


class JOBOBJECT_BASIC_LIMIT_INFORMATION(ctypes.Structure):
    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),  # LARGE_INTEGER
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", DWORD),
        ("MinimumWorkingSetSize", ctypes.c_size_t),  # SIZE_T
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", DWORD),
        ("Affinity", ctypes.c_size_t),  # ULONG_PTR
        ("PriorityClass", DWORD),
        ("SchedulingClass", DWORD),
    ]


class JOBOBJECT_EXTENDED_LIMIT_INFORMATION(ctypes.Structure):
    _fields_ = [
        ("BasicLimitInformation", JOBOBJECT_BASIC_LIMIT_INFORMATION),
        ("IoInfo", IO_COUNTERS),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


class THREADENTRY32(ctypes.Structure):  # Toolhelp32's description of one thread
    _fields_ = [
        ("dwSize", DWORD),
        ("cntUsage", DWORD),
        ("th32ThreadID", DWORD),
        ("th32OwnerProcessID", DWORD),
        ("tpBasePri", ctypes.c_int32),
        ("tpDeltaPri", ctypes.c_int32),
        ("dwFlags", DWORD),
    ]


def _kernel32() -> Any:
    win_dll = getattr(ctypes, "WinDLL", None)  # Windows only
    if win_dll is None:
        raise OSError("Job Objects exist only on Windows")
    kernel32 = win_dll("kernel32", use_last_error=True)
    kernel32.CreateJobObjectW.argtypes = [ctypes.c_void_p, ctypes.c_wchar_p]
    kernel32.CreateJobObjectW.restype = HANDLE
    kernel32.SetInformationJobObject.argtypes = [HANDLE, ctypes.c_int, ctypes.c_void_p, DWORD]
    kernel32.SetInformationJobObject.restype = ctypes.c_int
    kernel32.AssignProcessToJobObject.argtypes = [HANDLE, HANDLE]
    kernel32.AssignProcessToJobObject.restype = ctypes.c_int
    kernel32.TerminateJobObject.argtypes = [HANDLE, ctypes.c_uint]
    kernel32.TerminateJobObject.restype = ctypes.c_int
    kernel32.OpenProcess.argtypes = [DWORD, ctypes.c_int, DWORD]
    kernel32.OpenProcess.restype = HANDLE
    kernel32.CloseHandle.argtypes = [HANDLE]
    kernel32.CloseHandle.restype = ctypes.c_int
    kernel32.CreateToolhelp32Snapshot.argtypes = [DWORD, DWORD]
    kernel32.CreateToolhelp32Snapshot.restype = HANDLE
    for walk in (kernel32.Thread32First, kernel32.Thread32Next):
        walk.argtypes = [HANDLE, ctypes.POINTER(THREADENTRY32)]
        walk.restype = ctypes.c_int
    kernel32.OpenThread.argtypes = [DWORD, ctypes.c_int, DWORD]
    kernel32.OpenThread.restype = HANDLE
    kernel32.ResumeThread.argtypes = [HANDLE]
    kernel32.ResumeThread.restype = DWORD
    return kernel32


def _failed(what: str) -> OSError:
    code = int(getattr(ctypes, "get_last_error", lambda: 0)())  # Windows only
    return OSError(code, f"{what} failed (Windows error {code})")


class Job:
    """One Job Object holding one worker and everything it starts."""

    def __init__(self) -> None:
        self.kernel32 = _kernel32()
        self.handle = self.kernel32.CreateJobObjectW(None, None)
        if not self.handle:
            raise _failed("CreateJobObject")
        self.memory: int | None = None
        self._set_limits()

    def _set_limits(self) -> None:
        info = JOBOBJECT_EXTENDED_LIMIT_INFORMATION()
        flags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION
        if self.memory is not None:
            flags |= JOB_OBJECT_LIMIT_JOB_MEMORY
            info.JobMemoryLimit = self.memory
        info.BasicLimitInformation.LimitFlags = flags
        done = self.kernel32.SetInformationJobObject(
            self.handle,
            JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS,
            ctypes.byref(info),
            ctypes.sizeof(info),
        )
        if not done:
            raise _failed("SetInformationJobObject")

    def add(self, pid: int) -> None:
        """Put the running process ``pid`` (our child, so its id cannot be reused) in the job."""
        process = self.kernel32.OpenProcess(PROCESS_SET_QUOTA | PROCESS_TERMINATE, False, pid)
        if not process:
            raise _failed("OpenProcess")
        try:
            if not self.kernel32.AssignProcessToJobObject(self.handle, process):
                raise _failed("AssignProcessToJobObject")
        finally:
            self.kernel32.CloseHandle(process)

    def resume(self, pid: int) -> None:
        """Resume the threads of ``pid``, started with ``CREATE_SUSPENDED`` (the documented way
        without the thread handle ``subprocess`` does not keep: a Toolhelp32 snapshot)."""
        snapshot = self.kernel32.CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0)
        if snapshot in (None, ctypes.c_void_p(-1).value):  # INVALID_HANDLE_VALUE
            raise _failed("CreateToolhelp32Snapshot")
        resumed = 0
        try:
            entry = THREADENTRY32()
            entry.dwSize = ctypes.sizeof(entry)
            found = self.kernel32.Thread32First(snapshot, ctypes.byref(entry))
            while found:
                if entry.th32OwnerProcessID == pid:
                    thread = self.kernel32.OpenThread(
                        THREAD_SUSPEND_RESUME, False, entry.th32ThreadID
                    )
                    if thread:
                        self.kernel32.ResumeThread(thread)
                        self.kernel32.CloseHandle(thread)
                        resumed += 1
                found = self.kernel32.Thread32Next(snapshot, ctypes.byref(entry))
        finally:
            self.kernel32.CloseHandle(snapshot)
        if not resumed:
            raise OSError(f"no thread of process {pid} could be resumed")

    def limit_memory(self, nbytes: int) -> None:
        """Cap the memory committed by all the job's processes together."""
        self.memory = nbytes
        self._set_limits()

    def kill(self) -> None:
        """End every process in the job (they may take a moment to be gone)."""
        if self.handle:
            self.kernel32.TerminateJobObject(self.handle, 1)

    def close(self) -> None:
        if self.handle:
            self.kernel32.CloseHandle(self.handle)  # and KILL_ON_JOB_CLOSE ends what is left
            self.handle = None
