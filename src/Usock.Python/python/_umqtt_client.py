# umqtt's MQTTClient (the part of the firmware's umqtt above BaseMqtt): one lock around sends, the keepalive thread
# connect() starts, and the reconnect that waits for the network (net.getState, dataCall.getInfo(1, 0)) and then
# connects and subscribes again. Imported by umqtt; programs import MQTTClient from umqtt.
import threading as _threading

import dataCall
import net
import utime
from umqtt import BaseMqtt, _log, _now, _thread


def _stop_thread(ident):
    """The device's _thread.stop_thread when this build has it; the keepalive loop also ends by itself once its
    generation is stale, so a missing stop_thread only delays its end by one poll."""
    stop = getattr(_thread, 'stop_thread', None)
    if stop is not None and ident is not None and ident != _thread.get_ident():
        try:
            stop(ident)
        except Exception:
            pass


class MQTTClient(BaseMqtt):
    DELAY = 2
    DEBUG = False
    POLL_S = 5  # how often the keepalive thread looks at the clock, as the firmware

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_callback = None
        self._generation = 0
        self._wake = _threading.Event()  # set to end the keepalive thread's wait at once (disconnect, reconnect)

    def delay(self, i):
        utime.sleep(self.DELAY)

    def error_register_cb(self, func):
        self.error_callback = func

    def _tell(self, what):
        if self.reconn and self.error_callback is not None:
            self.error_callback(what)

    def logTime(self):
        t = utime.localtime()
        return '%d-%d-%d %d:%d:%d' % (t[0], t[1], t[2], t[3], t[4], t[5])

    def connect(self, clean_session=True):
        try:
            super().connect(clean_session)
        except Exception as e:
            code = e.args[0] if isinstance(e, OSError) and e.args else str(e)
            if code == 104:
                raise ValueError("MQTT Connect Error='{}' Server Actively RST Disconnected.Need Check addr&port"
                                 .format(code)) from e
            if code in (107, 4):
                raise ValueError("MQTT Connect Error='{}' Server Actively FIN Disconnected.Need Check Connection "
                                 'parameters'.format(code)) from e
            if code == 110:
                raise ValueError("MQTT Connect Error='{}' Timeout.Need Check Network".format(code)) from e
            raise ValueError("MQTT Connect error='{}' FAIL".format(code)) from e
        if self.keepalive > 0 and not self.pingFlag:
            self._end_keepalive()
            size = _thread.stack_size()
            _thread.stack_size(16 * 1024)
            self.threadId = _thread.start_new_thread(self._loop_forever, (self._generation, self._wake))
            _thread.stack_size(size)
            self.pingFlag = True
        return 0

    def _end_keepalive(self):
        """Ends the running keepalive thread (if any) at its next step, and makes the next one's generation."""
        self._generation += 1
        self._wake.set()
        self._wake = _threading.Event()

    def disconnect(self):
        self._end_keepalive()
        self.threadId = None
        super().disconnect()

    def publish(self, topic, msg, retain=False, qos=0):
        lock = self.mqttsendlock
        if lock is None:
            raise OSError(107, 'ENOTCONN: connect() first')
        with lock:
            try:
                return super().publish(topic, msg, retain, qos)
            except OSError as e:
                # as the firmware: a publish that fails on the network is dropped, not raised (the receive loop's
                # wait_msg then meets the error and reconnects); the PC says so in the log
                _log.warning('[%s] publish to %r dropped: %s' % (self.logTime(), topic, e))
                return None

    def ping(self):
        lock = self.mqttsendlock
        if lock is None:
            raise OSError(107, 'ENOTCONN: connect() first')
        with lock:
            super().ping()

    def wait_msg(self):
        while True:
            try:
                if not self.timerFlag:
                    return None
                if self.mqttlock is not None and self.mqttlock.locked():
                    utime.sleep_ms(100)  # another thread is reconnecting: the new connection's CONNACK is its to read
                    continue
                return super().wait_msg()
            except Exception as e:
                if not self.timerFlag:
                    return None
                if not self.reconn:
                    raise e
                if self.ping_outstanding:
                    _log.warning('[%s] wait msg, send ping timeout. Trying to reconnect' % self.logTime())
                else:
                    _log.warning('[%s] wait msg, Network exception. Trying to reconnect' % self.logTime())
                utime.sleep(1)
                self.base_reconnect()

    def base_reconnect(self):
        """Waits for the network, connects again and subscribes to every topic again (the firmware's loop)."""
        if self.mqttlock is None or not self.mqttlock.acquire(False):
            return
        try:
            if self.threadId is not None and not self.ping_outstanding:
                self._end_keepalive()
                _stop_thread(self.threadId)
                self.threadId = None
                self.pingFlag = False
            self._tell('reconnect_start')
            attempt = 0
            while self.timerFlag:
                try:
                    self.close()
                    state = net.getState()
                    call = dataCall.getInfo(1, 0)
                    if (state != -1 and state[1][0] in (1, 5)) and (call != -1 and call[2][0] == 1):
                        _log.info('[%s] The network condition has been restored and an attempt will be made to '
                                  'reconnect' % self.logTime())
                        self.pingFlag = False
                        self.connect(self.clean_session)
                        for topic in list(self.topic_list):
                            BaseMqtt.subscribe(self, topic, self.qos)
                        _log.info('[%s] Reconnection successful!' % self.logTime())
                        self._tell('reconnect_success')
                        return
                    _log.info('[%s] Wait for reconnection.' % self.logTime())
                    utime.sleep(5)
                except Exception:
                    attempt += 1
                    _log.warning('[%s] The connection attempt failed and will be tried again after %d seconds.'
                                 % (self.logTime(), 5 + attempt))
                    utime.sleep(5 + attempt)
        finally:
            if self.mqttlock is not None and self.mqttlock.locked():
                self.mqttlock.release()

    def _loop_forever(self, generation, wake):
        """The keepalive thread: a PINGREQ when keepalive - 3 s passed since the last one; a PINGREQ still unanswered
        at the next one (after pingmaxnum retries) means the connection is gone."""
        keepalive = self.keepalive - 3
        while self.timerFlag and generation == self._generation:
            try:
                if _now() - self.last_time <= keepalive:
                    wake.wait(min(self.POLL_S, max(1, keepalive)))
                    continue
                if self.mqttlock is not None and self.mqttlock.locked():
                    wake.wait(self.POLL_S)
                    continue
                if self.ping_outstanding:
                    if not self.reconn:
                        raise OSError(110, 'Send ping timeout.')
                    if self.pingnum <= 0:
                        _log.warning('[%s] Send ping timeout. Trying to reconnect' % self.logTime())
                        self.pingFlag = False
                        self.threadId = None
                        self.sock.settimeout(3)
                        return
                    _log.warning('[%s] Trying to resend ping(%d)' % (self.logTime(), self.pingnum))
                    self.pingnum -= 1
                self.ping()
            except Exception as e:
                if not self.timerFlag or generation != self._generation:
                    return
                self.pingFlag = False
                self.threadId = None
                if not self.reconn:
                    if self.error_callback is not None:
                        self.error_callback(str(e))
                    return
                _log.warning('[%s] Send ping, Network exception. Trying to reconnect' % self.logTime())
                utime.sleep(2)
                self.base_reconnect()
                return
