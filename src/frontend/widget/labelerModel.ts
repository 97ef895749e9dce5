import { DOMWidgetModel, ISerializers } from '@jupyter-widgets/base';
import { MODULE_NAME, MODULE_VERSION } from './version';

/**
 * Model of `tunelab.widget.Labeler`: only which session to show. Questions,
 * answers and progress travel over the sidecar connection, not the kernel.
 */
export class LabelerModel extends DOMWidgetModel {
  override defaults(): Backbone.ObjectHash {
    return {
      ...super.defaults(),
      _model_name: LabelerModel.model_name,
      _model_module: LabelerModel.model_module,
      _model_module_version: LabelerModel.model_module_version,
      _view_name: LabelerModel.view_name,
      _view_module: LabelerModel.view_module,
      _view_module_version: LabelerModel.view_module_version,
      session_id: '',
      session_name: ''
    };
  }

  static override serializers: ISerializers = { ...DOMWidgetModel.serializers };

  static model_name = 'LabelerModel';
  static model_module = MODULE_NAME;
  static model_module_version = MODULE_VERSION;
  static view_name = 'LabelerView';
  static view_module = MODULE_NAME;
  static view_module_version = MODULE_VERSION;
}
