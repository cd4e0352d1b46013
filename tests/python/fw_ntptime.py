# The firmware's ntptime against a local NTP responder (the test's), reached as ntptime.host through --resolve.
import sys

import ntptime

print('host', ntptime.host)
print('time', ntptime.time(use_rhost=0, timeout=5))
print('settime', ntptime.settime(int(sys.argv[1]), use_rhost=0, timeout=5))
try:
    import machine
    dt = machine.RTC().datetime()
except (ImportError, AttributeError):
    import _usock_rtc
    dt = _usock_rtc.datetime()
print('rtc %04d-%02d-%02d %02d:%02d' % (dt[0], dt[1], dt[2], dt[4], dt[5]))  # weekday conventions differ
print('bad timezone', ntptime.settime(13))
print('sethost', ntptime.sethost('ntp.nowhere.invalid'), ntptime.host)
print('unanswered', ntptime.settime(0, use_rhost=0, timeout=1))
