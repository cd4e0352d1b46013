# The firmware's cloud clients (aLiYun, TenCentYun) against a real mosquitto: the broker's host names are pointed at
# it with --resolve; the broker checks the signed password (its password file) and logs the client id and user.
#   aliyun    productKey deviceName deviceSecret
#   tencent   productID devicename devicePsk(base64)
import sys

import utime

mode = sys.argv[1]
got = []
if mode == 'aliyun':
    from aLiYun import aLiYun
    cloud = aLiYun(sys.argv[2], None, sys.argv[3], sys.argv[4])
    print('setMqtt', cloud.setMqtt('usock-dev', clean_session=True, keepAlive=60))
    topic = '/%s/%s/user/get' % (sys.argv[2], sys.argv[3])
    state = cloud.getAliyunSta
else:
    from TenCentYun import TXyun
    cloud = TXyun(sys.argv[2], sys.argv[3], sys.argv[4])
    print('setMqtt', cloud.setMqtt(clean_session=True, keepAlive=60))
    topic = '%s/%s/data' % (sys.argv[2], sys.argv[3])
    state = cloud.getTXyunsta
cloud.setCallback(lambda t, m: got.append((t, m)))
print('subscribe', cloud.subscribe(topic, 1))
cloud.start()
print('publish', cloud.publish(topic, 'hello from %s' % mode, qos=1))
deadline = utime.ticks_add(utime.ticks_ms(), 10000)
while not got and utime.ticks_diff(deadline, utime.ticks_ms()) > 0:
    utime.sleep_ms(10)
print('callback', got)
print('state', state())
cloud.disconnect()
print('ALL OK')
