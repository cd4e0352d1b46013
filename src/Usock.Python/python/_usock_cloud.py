# What the firmware's cloud clients (aLiYun, TenCentYun) share over umqtt: the listening thread that waits for
# messages and hands a connection error to the registered callback, and the thin calls through to the MQTT client.
# The listening thread is a device thread (_usock_thread): it keeps the program running after its main script
# returns, as on the device.
import _usock_thread


class CloudClient:
    mqtt_client = None
    flag = True
    error_callback = None
    _warning = 'OSError'

    def subscribe(self, topic, qos=0):
        try:
            self.mqtt_client.subscribe(topic, qos)
            return 0
        except OSError as e:
            print('[WARNING] subscribe failed. %s : %s' % (self._warning, str(e)))
            return -1

    def publish(self, topic, msg, retain=False, qos=0):
        try:
            self.mqtt_client.publish(topic, msg, retain, qos)
            return 0
        except OSError as e:
            print('[WARNING] Publish failed. %s : %s' % (self._warning, str(e)))
            return -1

    def close(self):
        if self.mqtt_client is not None:
            self.mqtt_client.close()
        return -1

    def ping(self):
        self.mqtt_client.ping()

    def _state(self):
        if self.mqtt_client is not None:
            return self.mqtt_client.get_mqttsta()
        return -1

    def _listen(self):
        while self.flag:
            try:
                self.mqtt_client.wait_msg()
            except OSError as e:
                if not self.flag:
                    break
                if self.error_callback is not None:
                    self.error_callback(str(e))
                    break
                raise

    def error_register_cb(self, func):
        self.error_callback = func
        if self.mqtt_client is not None:
            self.mqtt_client.error_register_cb(func)

    def _start_listening(self):
        size = _usock_thread.stack_size()
        _usock_thread.stack_size(16 * 1024)
        try:
            return _usock_thread.start_new_thread(self._listen, ())
        finally:
            _usock_thread.stack_size(size)
