# pm stand-in: the PC never sleeps; wakelocks and autosleep are recorded (lock state readable) and do nothing else.
_locks = {}      # id -> [name, locked]
_next = [1]
_autosleep = [0]
_psm = [0, 0, 0, 0, 0]


def create_wakelock(lock_name, name_size=None):
    if not isinstance(lock_name, str):
        raise TypeError('lock_name must be a string')
    lock_id = _next[0]
    _next[0] += 1
    _locks[lock_id] = [lock_name, False]
    return lock_id


def delete_wakelock(lpm_fd):
    return 0 if _locks.pop(lpm_fd, None) is not None else -1


def wakelock_lock(lpm_fd):
    if lpm_fd not in _locks:
        return -1
    _locks[lpm_fd][1] = True
    return 0


def wakelock_unlock(lpm_fd):
    if lpm_fd not in _locks:
        return -1
    _locks[lpm_fd][1] = False
    return 0


def autosleep(sleep_flag):
    if sleep_flag not in (0, 1):
        raise ValueError('sleep_flag must be 0 or 1')
    _autosleep[0] = sleep_flag
    return 0


def get_wakelock_num():
    return len(_locks)


def set_psm_time(*args):
    if args and args[0] in (0, 1):
        _psm[0] = args[0]
        if len(args) == 5:
            _psm[1:] = list(args[1:])
    return True


def get_psm_time():
    return list(_psm)


def get_psm_netinfo():
    return -1
