# app_fota stand-in: the application upgrade. download(url, file_name) puts the file under
# <project>/.usock_fota/usr/<file_name> (on the device: /fota/usr/, applied at the next restart); set_update_flag()
# records the request. Nothing replaces the program's files: copy them over yourself to try the new version.
import os

import _usock_device as _d


class new:
    def __init__(self):
        self.update_flag = False

    def download(self, url, file_name):
        if not isinstance(file_name, str) or not file_name:
            raise TypeError('file_name must be a non-empty string')
        try:
            data = _d.http_get(url)
        except OSError:
            return -1
        path = os.path.join(_d.staging_dir(), 'usr', file_name.lstrip('/').removeprefix('usr/'))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(data)
        return 0

    def bulk_download(self, info):
        failed = [item for item in info if self.download(item['url'], item['file_name']) != 0]
        return failed or None

    def set_update_flag(self):
        self.update_flag = True
        with open(os.path.join(_d.staging_dir(), 'update_flag'), 'w') as f:
            f.write('1')
