# misc stand-in: Power ends the run (restart 121, power down 122) with a line on stderr, as the device's program
# ends when it restarts or powers off; battery, ADC and USB report fixed values.
import _usock_device as _d


class Power:
    @staticmethod
    def powerRestart():
        _d.end(_d.POWER_RESTART, 'misc.Power.powerRestart(): the device restarts')

    @staticmethod
    def powerDown():
        _d.end(_d.POWER_DOWN, 'misc.Power.powerDown(): the device powers off')

    @staticmethod
    def powerOnReason():
        return 1  # powered on by the power key

    @staticmethod
    def powerDownReason():
        return 1  # a normal power-off

    @staticmethod
    def getVbatt():
        return 3800  # mV


class ADC:
    ADC0, ADC1, ADC2, ADC3 = 0, 1, 2, 3

    def open(self):
        return 0

    def read(self, ADCn):
        if type(ADCn) is not int:
            raise TypeError('ADCn must be an integer')
        return 0  # mV: nothing is wired to the PC's ADC

    def close(self):
        return 0


class USB:
    def getStatus(self):
        return 1

    def setCallback(self, usrFun):
        return 0


class PowerKey:
    def powerKeyEventRegister(self, usrFun):
        return 0


class PWM:
    PWM0, PWM1, PWM2, PWM3 = 0, 1, 2, 3

    def __init__(self, PWMn, ABOVE_xx=0, highTime=0, cycleTime=0):
        self.open_ = False

    def open(self):
        self.open_ = True
        return 0

    def close(self):
        self.open_ = False
        return 0


def antennaSecRXOffCtrl(*args):
    return 0
