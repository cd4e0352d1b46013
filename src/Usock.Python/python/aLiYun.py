# aLiYun, the firmware's Alibaba Cloud IoT client (QuecPython ports/quectel/core/aLiYun.py), written for CPython on
# umqtt with the same API: aLiYun(productKey, productSecret=None, DeviceName=None, DeviceSecret=None,
# MqttServer=None), setMqtt(clientID, clean_session=True, keepAlive=300, reconn=True, pingmaxnum=0), setCallback,
# subscribe, publish, start (the listening thread), ping, disconnect, close, getAliyunSta, error_register_cb.
# The credentials are Alibaba's "one device, one secret" ones, computed as the firmware does: client id
# "<clientID>|securemode=3,signmethod=hmacsha256|", user "<DeviceName>&<productKey>", password
# HMAC-SHA256(DeviceSecret, "clientId<clientID>deviceName<DeviceName>productKey<productKey>") in hex.
# The broker is <productKey>.iot-as-mqtt.cn-shanghai.aliyuncs.com:1883 (or MqttServer): --resolve points it anywhere.
import hashlib as _hashlib
import hmac as _hmac
import random as _random

import _usock_cloud
from umqtt import MQTTClient

MQTT_SERVER = '{}.iot-as-mqtt.cn-shanghai.aliyuncs.com'
S_HMAC = 'deviceName{}productKey{}random{}'
HMAC = 'clientId{}deviceName{}productKey{}'
CLIENT_ID = '{}|securemode=3,signmethod=hmacsha256|'
CLIENT_ID_R = '{}|securemode=2,authType=register,random={},signmethod=hmacsha256|'


def _sign(secret, msg):
    return _hmac.new(secret.encode(), msg=msg.encode(), digestmod=_hashlib.sha256).hexdigest()


class aLiYun(_usock_cloud.CloudClient):
    def __init__(self, productKey, productSecret=None, DeviceName=None, DeviceSecret=None, MqttServer=None):
        if not isinstance(productKey, str):
            raise TypeError('productKey must be a str')
        self.productKey = productKey
        self.productSecret = productSecret
        self.DeviceName = DeviceName
        self.DeviceSecret = DeviceSecret
        self.callback = self.setCallback
        self.recvCb = None
        self.mqtt_client = None
        self.password = None
        self.addr = MqttServer
        self.port = 1883
        self.clientID = None
        self.username = '{}&{}'.format(DeviceName, productKey)
        self.flag = True
        self.mqttObj = True
        self.error_callback = None
        self.reconn = True
        self.listen_task_id = None

    def formatConnectInfo(self, secret, randomNum=None):
        if randomNum is not None:
            return (CLIENT_ID_R.format(self.clientID, randomNum), secret,
                    S_HMAC.format(self.DeviceName, self.productKey, randomNum))
        return CLIENT_ID.format(self.clientID), secret, HMAC.format(self.clientID, self.DeviceName, self.productKey)

    def setMqtt(self, clientID=None, clean_session=True, keepAlive=300, reconn=True, pingmaxnum=0):
        """Connects: 0 on success, -1 on failure (printed), as the firmware."""
        self.clientID = clientID
        self.reconn = reconn
        if not self.mqttObj and self.mqtt_client is not None:
            return self.mqtt_client
        if self.productSecret is not None and self.DeviceSecret is None:
            # dynamic registration keeps the device secret in /usr/secret.json and talks to Alibaba's register
            # service over TLS: not done on the PC (see docs/scripts.md)
            print('[ERROR] aLiYun dynamic registration (productSecret without DeviceSecret) is not supported by usock run')
            return -1
        if not isinstance(self.DeviceSecret, str):
            raise TypeError('DeviceSecret must be a str')
        mqt_id, secret, hmac_msg = self.formatConnectInfo(self.DeviceSecret)
        try:
            self.connect(mqt_id, secret, hmac_msg, keepAlive, clean_session, False, reconn=reconn, pingmaxnum=pingmaxnum)
            return 0
        except Exception as e:
            print('[ERROR] connect failed. Error : %s' % str(e))
            return -1

    def connect(self, mqt_id, secret, hmac_msg, keepAlive, clean_session, ssl, reconn, pingmaxnum):
        server = MQTT_SERVER.format(self.productKey) if self.addr is None else self.addr
        self.password = _sign(secret, hmac_msg)
        self.mqtt_client = MQTTClient(mqt_id, server, self.port, self.username, self.password, keepAlive, ssl=ssl,
                                      reconn=reconn, pingmaxnum=pingmaxnum)
        self.mqtt_client.set_callback(self.proc)
        if self.error_callback is not None:
            self.mqtt_client.error_register_cb(self.error_callback)
        self.mqtt_client.connect(clean_session=clean_session)
        self.mqttObj = False
        return self.mqtt_client

    def proc(self, topic, msg):
        if self.recvCb is not None:
            return self.recvCb(topic, msg)

    def setCallback(self, callback):
        self.recvCb = callback

    def disconnect(self):
        self.flag = False
        self.mqttObj = True
        self.listen_task_id = None
        self.mqtt_client.disconnect()

    def getAliyunSta(self):
        return self._state()

    def start(self):
        self.listen_task_id = self._start_listening()

    def rundom(self):
        return ''.join(str(_random.randint(1, 10)) for _ in range(5))
