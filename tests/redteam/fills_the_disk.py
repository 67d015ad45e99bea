# threat: fills the file system of its working directory with 15 MiB files, each under the
# per-file limit (up to 364 MiB), as a disk-filling submission did to a batch's gradebook
# held: at most the working directory's own size (64 MiB) is written before the disk says full

written, error = 0, ""
for size in (15 << 20, 1 << 20):  # large files, then small ones for the last bytes
    chunk = b"\0" * size
    for number in range(20 if size > 1 << 20 else 64):
        try:
            with open(f"filler-{size}-{number}.bin", "wb") as f:
                f.write(chunk)
            written += len(chunk)
        except OSError as exc:
            error = exc.strerror or str(exc)
            break
verdict = "BROKEN" if written > 80 << 20 else "held"
print(f"redteam fills_the_disk: {verdict}: wrote {written >> 20} MiB ({error or 'no error'})")


def double(x):
    return [2 * v for v in x]
