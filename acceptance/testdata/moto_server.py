"""moto_server with SageMaker's CreatePresignedNotebookInstanceUrl.

Used by moto_test.go. moto 5.2.1 has no handler for it (it answers 500), so
this adds one, checked as SageMaker checks the request: the notebook must
exist (ValidationException, RecordNotFound), and the session must last
1800 to 43200 seconds. The URL it returns has the shape of SageMaker's,
<base>?authToken=<token>, on the test's fake Jupyter server (JUPYTER_URL);
the token names the notebook, which the fake Jupyter server reads. Nothing
else of moto changes.

SageMaker API reference:
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreatePresignedNotebookInstanceUrl.html
"""

import json
import os
import sys
import urllib.parse

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.responses import SageMakerResponse
from moto.server import main


def create_presigned_notebook_instance_url(self):
    name = self._get_param("NotebookInstanceName")
    self.sagemaker_backend.get_notebook_instance(name)  # RecordNotFound, as SageMaker
    duration = self._get_param("SessionExpirationDurationInSeconds")
    if duration is not None and not 1800 <= int(duration) <= 43200:
        raise ValidationError(message="SessionExpirationDurationInSeconds must be from 1800 to 43200, got %s" % duration)
    url = os.environ["JUPYTER_URL"] + "/?authToken=" + urllib.parse.quote(name)
    return json.dumps({"AuthorizedUrl": url})


SageMakerResponse.create_presigned_notebook_instance_url = create_presigned_notebook_instance_url

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
