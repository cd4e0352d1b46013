# checkNet: waits as the firmware's does, polling every 100 ms: stage 1 the SIM (sim.getStatus() == 1), stage 2
# registration (net.getState()[1][0] 1 or 5), stage 3 the data call (dataCall.getInfo(1, 2)); (3, 1) is success.
# On the PC the network is the host's and is up unless the radio is off (net.setModemFun(0), _usock_modem).
import utime as _utime

import dataCall as _dataCall
import net as _net
import sim as _sim


def _stage():
    status = _sim.getStatus()
    if status != 1:
        return 1, status
    state = _net.getState()
    reg = state[1][0] if state != -1 else 0
    if reg not in (1, 5):
        return 2, reg
    info = _dataCall.getInfo(1, 2)
    if info != -1 and (info[2][0] == 1 or info[3][0] == 1):
        return 3, 1
    return 3, 0


def waitNetworkReady(timeout=60):
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool):
        raise TypeError('timeout must be a number of seconds')
    deadline = _utime.ticks_add(_utime.ticks_ms(), int(timeout * 1000))
    while True:
        result = _stage()
        if result == (3, 1) or _utime.ticks_diff(deadline, _utime.ticks_ms()) <= 0:
            return result
        _utime.sleep_ms(100)


class CheckNetwork:
    def __init__(self, project_name='', project_version=''):
        self.project_name = project_name
        self.project_version = project_version

    def poweron_print_once(self):
        print('PROJECT_NAME     : %s' % self.project_name)
        print('PROJECT_VERSION  : %s' % self.project_version)
        print('POWERON_REASON   : usock run on the PC (no modem)')

    def wait_network_connected(self, timeout=60):
        return waitNetworkReady(timeout)
