# checkNet: on the PC the network is the host's, and it is up: (stagecode 3, subcode 1).
import utime as _utime


def waitNetworkReady(timeout=60):
    return 3, 1


class CheckNetwork:
    def __init__(self, project_name='', project_version=''):
        self.project_name = project_name
        self.project_version = project_version

    def poweron_print_once(self):
        print('PROJECT_NAME     : %s' % self.project_name)
        print('PROJECT_VERSION  : %s' % self.project_version)
        print('POWERON_REASON   : usock run on the PC (no modem)')

    def wait_network_connected(self, timeout=60):
        _utime.sleep_ms(0)
        return waitNetworkReady(timeout)
